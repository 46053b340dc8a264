/**
 * A training's hash holds exactly what can change it (libs/core/src/stages.ts): on the ci profile, in a copy
 * of the workspace, edits to chart, export, eval and summary code, to an error message, or a new lock line for
 * a package no training imports leave both trainings cached; editing conf/train.yaml or the trainer reruns them.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { experimentName, variantLossChart } from '../libs/core/src/layout.ts';
import { variants } from '../libs/core/src/variants.ts';
import { WorkspaceCopy, sorted, type NxRun } from './workspace.ts';

const all = ['dataset', 'hyps', 'train-fp16', 'train-qat', 'export', 'ptq-w4a16', 'ptq-w8a8', 'eval', 'summary'];
/** Everything downstream of the trainings. */
const afterTraining = ['export', 'ptq-w4a16', 'ptq-w8a8', 'eval', 'summary'];
const trainings = ['train-fp16', 'train-qat'];
let ws: WorkspaceCopy;
const pipeline = (env: NodeJS.ProcessEnv = {}) => ws.nx(['run-many', '-t', 'summary', '-c', 'ci'], env);
const explain = (run: NxRun) => `ran ${run.ran} | cached ${run.cached} | failed ${run.failed}\n${run.output.slice(-4000)}`;
const touch = (file: string) => ws.edit(file, (t) => `${t}\n${/\.(py|yaml)$/.test(file) ? '#' : '//'} touched by test/stage-inputs.test.ts\n`);

before(() => {
  ws = new WorkspaceCopy();
});
after(() => ws?.remove());

test('the first run trains both variants; the summary stage draws each loss chart', async () => {
  const run = await pipeline();
  assert.equal(run.code, 0, explain(run));
  assert.deepEqual(sorted(run.ran), sorted(all), explain(run));
  for (const v of variants) {
    assert.ok(existsSync(ws.path('tmp', experimentName, 'ci', 'summary', variantLossChart[v].png)), variantLossChart[v].png);
  }
});

test('chart, export, eval and summary code and error messages are not inputs of the trainings', async () => {
  for (const file of [
    'libs/chart/src/loss-figure.ts',
    'libs/yolo-py/yolo_py/export/report.py',
    'libs/eval/src/stage.ts',
    'libs/summary/src/compose.ts',
    'libs/core/src/errors.ts',
  ]) touch(file);
  const run = await pipeline();
  assert.equal(run.code, 0, explain(run));
  // export/report.py is imported by both PTQ steps (yolo_py.ptq_cli), so they rerun with export.
  assert.deepEqual(sorted(run.ran), sorted(afterTraining), explain(run));
  assert.deepEqual(sorted(run.cached), sorted(['dataset', 'hyps', ...trainings]), explain(run));
});

test('a lock line for a package no stage imports invalidates nothing', async () => {
  ws.edit('requirements.lock', (t) => `${t}pytest-timeout==2.4.0\n`);
  // Were a Python stage to run, it would find the lock changed and rebuild .venv, which this copy shares with
  // the workspace: an interpreter that does not exist makes that rebuild fail before it touches anything.
  const run = await pipeline({ PYTHON: '/nonexistent/python3' });
  assert.equal(run.code, 0, explain(run));
  assert.deepEqual(sorted(run.cached), sorted(all), explain(run));
  ws.git('checkout', '-q', 'requirements.lock');
});

test('editing the trainer reruns both trainings', async () => {
  touch('libs/yolo-py/yolo_py/trainer.py');
  const run = await pipeline();
  assert.equal(run.code, 0, explain(run));
  for (const t of trainings) assert.ok(run.ran.includes(t), `${t} was not rerun\n${explain(run)}`);
  assert.deepEqual(sorted(run.cached.filter((s) => !afterTraining.includes(s))), ['dataset', 'hyps'], explain(run));
});

test('editing conf/train.yaml reruns both trainings', async () => {
  touch('conf/train.yaml');
  const run = await pipeline();
  assert.equal(run.code, 0, explain(run));
  for (const t of trainings) assert.ok(run.ran.includes(t), `${t} was not rerun\n${explain(run)}`);
  assert.deepEqual(sorted(run.cached), sorted(['dataset', 'hyps']), explain(run));
});
