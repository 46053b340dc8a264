import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse, stringify } from 'yaml';
import { confDir } from './config/load.ts';
import { teacherReads } from './distill-graph.ts';
import { directUpstream, graphReads, nxStageProjects, nxStageTarget } from './nx-targets.ts';
import { stages } from './stage-registry.ts';
import { workspaceRoot } from './workspace.ts';

/** A conf/ folder holding qat.yaml as checked in, with `distill` set as given under profiles.<profile> (beside what the file sets there). */
function qatConf(profile: string, distill: unknown): string {
  const dir = mkdtempSync(join(tmpdir(), 'distill-graph-'));
  const qat = parse(readFileSync(join(confDir, 'qat.yaml'), 'utf8')) as { profiles?: Record<string, Record<string, unknown>> };
  const profiles = qat.profiles ?? {};
  writeFileSync(join(dir, 'qat.yaml'), stringify({ ...qat, profiles: { ...profiles, [profile]: { ...profiles[profile], distill } } }));
  return dir;
}

test('distillation off (the default): train-qat does not wait for train-fp16, and hashes none of its files', () => {
  assert.deepEqual(teacherReads(), {});
  assert.deepEqual(Object.keys(graphReads('train-qat')).sort(), ['dataset', 'hyps']);
  assert.ok(!directUpstream('train-qat').includes('train-fp16'));
  assert.ok(!nxStageTarget(workspaceRoot, 'train-qat').dependsOn.some((d) => d.projects.includes('train-fp16')));
});

test('distillation on in one profile: train-qat reads the teacher, train-fp16 best.pt', () => {
  assert.deepEqual(teacherReads(qatConf('gpu', { weight: 1, temperature: 10 })), { 'train-fp16': ['weights/best.pt'] });
  assert.deepEqual(teacherReads(qatConf('gpu', null)), {});
});

test('a bad distill key fails the graph naming the file and the key', () => {
  assert.throws(() => teacherReads(qatConf('ci', { weight: 1, temprature: 2 })), /qat\.yaml: profiles\.ci\.distill\.temperature: .*key missing/);
});

test('the teacher read is worked out by the graph only: importing the registry, as every stage does, parses no qat.yaml', () => {
  // A function in the declaration, called by graphReads (nx-targets.ts): a stage's start-up never evaluates it, so a
  // bad distill key fails the graph, not the dataset stage.
  assert.equal(typeof stages['train-qat'].confDecidedReads, 'function');
  assert.deepEqual(Object.keys(stages['train-qat'].reads).sort(), ['dataset', 'hyps']);
});

test('train-qat-ft reads train-fp16 best.pt whatever conf/ says: its start, and its teacher when it distills', () => {
  assert.deepEqual(stages['train-qat-ft'].reads['train-fp16'], ['weights/best.pt']);
  assert.equal(stages['train-qat-ft'].confDecidedReads, undefined);
  assert.ok(directUpstream('train-qat-ft').includes('train-fp16'));
});

test('one graph build works the teacher read out once, however often the walks visit train-qat', (t) => {
  const declaration = stages['train-qat'] as { confDecidedReads: NonNullable<(typeof stages)['train-qat']['confDecidedReads']> };
  const decide = declaration.confDecidedReads;
  let calls = 0;
  t.mock.method(declaration, 'confDecidedReads', () => {
    calls += 1;
    return decide();
  });
  nxStageProjects(workspaceRoot);
  assert.equal(calls, 1);
});
