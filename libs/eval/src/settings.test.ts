import assert from 'node:assert/strict';
import { test } from 'node:test';
import { loadSection } from '../../core/src/config/load.ts';
import { UserError } from '../../core/src/errors.ts';
import { settingsFromFlags } from './cli.ts';
import { DEFAULTS, settingsWith } from './defaults.ts';
import { checkSettings } from './settings.ts';

const fails = (run: () => unknown, pattern: RegExp): void =>
  assert.throws(run, (e: unknown) => e instanceof UserError && pattern.test(e.message), String(pattern));

test("the defaults are conf/'s base values: eval.yaml's keys, train.yaml's imgsz, preprocess.yaml's letterbox", () => {
  assert.deepEqual(DEFAULTS, { ...loadSection('eval', null), imgsz: loadSection('train', null).imgsz, letterbox: loadSection('preprocess', null).letterbox });
  assert.deepEqual(checkSettings({ ...DEFAULTS }), DEFAULTS);
});

test('settings are checked once, where they enter: each problem names the key, what was expected and what was given', () => {
  fails(() => settingsWith({ sessions: 0 }), /^sessions: .*>=1, got 0$/);
  fails(() => settingsWith({ providers: ['gpu'] }), /^providers\.0: .*"cpu"\|"cuda"\|"tensorrt", got "gpu"$/);
  fails(() => settingsWith({ providers: [] }), /^providers: .*, got \[\]$/);
  fails(() => settingsWith({ letterboxWorkers: 1, sessions: 2 }), /^letterboxWorkers: letterbox workers serve a single session/);
  fails(() => settingsWith({ imgsz: 16 }), /^imgsz: .*>=32, got 16$/);
  fails(() => settingsWith({ letterbox: 'fill' }), /^letterbox: .*"val"\|"predict", got "fill"$/);
  fails(() => checkSettings({ ...DEFAULTS, threads: 4 }), /^threads: .*an unknown setting$/);
  assert.equal(settingsWith({ letterboxWorkers: 1, sessions: 'auto' }).letterboxWorkers, 1, "one session: 'auto' is that one");
});

test('on the command line a problem names the flag that set the key', () => {
  fails(() => settingsFromFlags({ sessions: '0' }), /^--sessions: .*>=1, got 0$/);
  fails(() => settingsFromFlags({ sessions: 'many' }), /^--sessions: expected 'auto' or an integer, got 'many'$/);
  fails(() => settingsFromFlags({ workers: '1', sessions: '2' }), /^--workers: letterbox workers serve a single session/);
  fails(() => settingsFromFlags({ providers: 'cuda,gpu' }), /^--providers: .*got "gpu"$/);
  fails(() => settingsFromFlags({ 'intra-op-threads': '-1' }), /^--intra-op-threads: .*>=0, got -1$/);
  const settings = settingsFromFlags({ providers: ' CUDA, cpu', 'skip-latency': true, 'graph-optimization': 'basic', imgsz: '320' });
  assert.deepEqual(settings.providers, ['cuda', 'cpu']);
  assert.equal(settings.skipLatency, true);
  assert.deepEqual(settings.session, { ...DEFAULTS.session, graphOptimizationLevel: 'basic' });
  assert.equal(settings.imgsz, 320);
  assert.deepEqual(settingsFromFlags({}), DEFAULTS);
});
