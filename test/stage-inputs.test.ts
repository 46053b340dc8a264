/**
 * A training's hash holds exactly what can change it (libs/core/src/nx-targets.ts): on the ci profile, in a copy
 * of the workspace, edits to chart, export, eval and summary code, to an error message, or a new lock line for
 * a package no training imports leave every training cached; editing conf/train.yaml or the trainer reruns them (and,
 * after export, only what reads a file export changed).
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { sha256File } from '../libs/core/src/hashing.ts';
import { experimentName, onnxFileName, variantLossChart } from '../libs/core/src/layout.ts';
import { nxStageTarget } from '../libs/core/src/nx-targets.ts';
import { workspaceRoot } from '../libs/core/src/workspace.ts';
import { variants } from '../libs/core/src/variants.ts';
import { WorkspaceCopy, sorted, type NxRun } from './workspace.ts';

const all = ['dataset', 'hyps', 'train-fp16', 'train-qat', 'train-qat-ft', 'export', 'ptq-w4a16', 'ptq-w8a8', 'eval', 'summary'];
/** Everything downstream of the trainings. */
const afterTraining = ['export', 'ptq-w4a16', 'ptq-w8a8', 'eval', 'summary'];
const trainings = ['train-fp16', 'train-qat', 'train-qat-ft'];
let ws: WorkspaceCopy;
const pipeline = (env: NodeJS.ProcessEnv = {}) => ws.nx(['run-many', '-t', 'summary', '-c', 'ci'], env);
const explain = (run: NxRun) => `ran ${run.ran} | cached ${run.cached} | failed ${run.failed}\n${run.output.slice(-4000)}`;
const touch = (file: string) => ws.edit(file, (t) => `${t}\n${/\.(py|yaml)$/.test(file) ? '#' : '//'} touched by test/stage-inputs.test.ts\n`);

before(() => {
  ws = new WorkspaceCopy();
});
after(() => ws?.remove());

test('the first run trains every variant; the summary stage draws each loss chart', async () => {
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
  // export/report.py is export's and ptq-w4a16's code; ptq-w8a8, eval and summary rerun only if the files they
  // read came out different.
  assert.ok(run.ran.includes('export') && run.ran.includes('ptq-w4a16'), explain(run));
  assert.deepEqual(run.ran.filter((s) => !afterTraining.includes(s)), [], explain(run));
  assert.deepEqual(sorted(run.cached.filter((s) => !afterTraining.includes(s))), sorted(['dataset', 'hyps', ...trainings]), explain(run));
});

/** Code of one PTQ stage alone: its stage script, Python entry, request, step modules, schemas and contracts. */
const ptqOwnCode = {
  'ptq-w4a16': /^(libs\/ptq-w4a16\/|libs\/yolo-py\/yolo_py\/(ptq_w4a16_cli\.py|ptq\/(w4a16|w4a16_request|sqnr)\.py|export\/int4_pack\.py|contracts\/(ptq_w4a16|ptq_w4a16_request|quantization_report)\.schema\.json)|libs\/core\/src\/schemas\/(ptq-w4a16|qat-settings)\.ts)/,
  'ptq-w8a8': /^(libs\/ptq-w8a8\/|libs\/core\/src\/images\/calibration\/|libs\/yolo-py\/yolo_py\/(ptq_w8a8_cli\.py|ptq\/(w8a8|w8a8_request)\.py|contracts\/(ptq_w8a8|ptq_w8a8_request|calibration)\.schema\.json)|libs\/core\/src\/schemas\/ptq-w8a8\.ts)/,
} as const;
const codeInputs = (stage: keyof typeof ptqOwnCode) =>
  nxStageTarget(workspaceRoot, stage).inputs.flatMap((i) => (typeof i === 'string' && !i.includes('/conf/') ? [i.replace('{workspaceRoot}/', '')] : []));

test("neither PTQ stage's inputs hold the other's code", () => {
  for (const [stage, other] of [['ptq-w4a16', 'ptq-w8a8'], ['ptq-w8a8', 'ptq-w4a16']] as const) {
    const inputs = codeInputs(stage);
    assert.ok(inputs.filter((f) => ptqOwnCode[stage].test(f)).length >= 5, `${stage}: its own code is missing from its inputs: ${inputs.join(' ')}`);
    assert.deepEqual(inputs.filter((f) => ptqOwnCode[other].test(f)), [], `${other}'s code reaches ${stage}`);
  }
});

test('ptq-w8a8 reads no quantization or export code but the ONNX graph statistics', () => {
  const foreign = codeInputs('ptq-w8a8').filter((f) => /yolo_py\/(quant\/|export\/(?!__init__|graph_stats))/.test(f));
  assert.deepEqual(foreign, []);
});

test("editing one PTQ stage's code reruns that stage (and what reads its files); the other PTQ stage stays cached", async () => {
  for (const [edited, stage, other] of [['libs/yolo-py/yolo_py/ptq/w8a8.py', 'ptq-w8a8', 'ptq-w4a16'], ['libs/yolo-py/yolo_py/ptq/w4a16.py', 'ptq-w4a16', 'ptq-w8a8']]) {
    touch(edited!);
    const run = await pipeline();
    assert.equal(run.code, 0, explain(run));
    // eval and summary rerun only if the stage's files came out different (a comment leaves them byte-identical).
    assert.ok(run.ran.includes(stage!), `${edited}: ${stage} was not rerun\n${explain(run)}`);
    assert.deepEqual(run.ran.filter((s) => ![stage, 'eval', 'summary'].includes(s)), [], `${edited}: ${explain(run)}`);
    assert.ok(run.cached.includes(other!), `${edited}: ${other} was not cached\n${explain(run)}`);
  }
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

test('editing the trainer reruns every training', async () => {
  touch('libs/yolo-py/yolo_py/trainer.py');
  const run = await pipeline();
  assert.equal(run.code, 0, explain(run));
  for (const t of trainings) assert.ok(run.ran.includes(t), `${t} was not rerun\n${explain(run)}`);
  assert.deepEqual(sorted(run.cached.filter((s) => !afterTraining.includes(s))), ['dataset', 'hyps'], explain(run));
});

test('editing conf/train.yaml reruns every training; ptq-w8a8 follows the FP16 file it quantizes, not train.yaml', async () => {
  const fp16Onnx = () => sha256File(ws.path('tmp', experimentName, 'ci', 'onnx', onnxFileName.fp16));
  const before = await fp16Onnx();
  touch('conf/train.yaml');
  const run = await pipeline();
  assert.equal(run.code, 0, explain(run));
  for (const t of trainings) assert.ok(run.ran.includes(t), `${t} was not rerun\n${explain(run)}`);
  // Only export reads train.yaml after the trainings; the stages after it take its facts from what it wrote. A comment
  // retrains the ci models bit for bit, so the FP16 file may come out byte-identical, and then W8A8 is rightly kept.
  const unchanged = (await fp16Onnx()) === before;
  assert.deepEqual(sorted(run.cached), sorted(['dataset', 'hyps', ...(unchanged ? ['ptq-w8a8'] : [])]), explain(run));
});
