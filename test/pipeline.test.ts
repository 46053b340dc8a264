/**
 * The whole experiment as a cached task graph, on the ci profile (a seconds-sized smoke run) in a copy of
 * the workspace. Each step builds on the state the previous one left, as a user's session would.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { experimentName } from '../libs/core/src/layout.ts';
import { WorkspaceCopy, sorted, type NxRun } from './workspace.ts';

const all = ['dataset', 'hyps', 'train-fp16', 'train-qat', 'train-qat-ft', 'export', 'ptq-w4a16', 'ptq-w8a8', 'eval', 'summary'];
let ws: WorkspaceCopy;
const runRoot = () => ws.path('tmp', experimentName, 'ci');
const pipeline = () => ws.nx(['run-many', '-t', 'summary', '-c', 'ci']);
const explain = (run: NxRun) => `ran ${run.ran} | cached ${run.cached} | failed ${run.failed}\n${run.output.slice(-4000)}`;

before(() => {
  ws = new WorkspaceCopy();
});
after(() => ws?.remove());

test('the first run executes every stage in order and ends with summary.md and loss.png', async () => {
  const run = await pipeline();
  assert.equal(run.code, 0, explain(run));
  assert.deepEqual(sorted(run.ran), sorted(all), explain(run));
  const made = [
    'summary/summary.md', 'summary/loss.png', 'summary/loss.html', 'summary/map.png', 'summary/sqnr.png', 'summary/oscillation.png', 'fp16/weights/last.pt', 'qat-w4a16/run.json', 'onnx/export.json',
    'ptq-w4a16/yolov10-w4a16-ptq-qcdq.onnx', 'ptq-w4a16/yolov10-w4a16-qat-int4.onnx', 'ptq-w4a16/quantization-report.json', 'ptq-w8a8/yolov10-w8a8-ptq-qdq.onnx', 'ptq-w8a8/calibration.json',
    'eval/ptq-w4a16.metrics.json', 'eval/ptq-w8a8.metrics.json', 'eval/qat-int4.metrics.json',
    // Both heads of each trained model, exported and scored.
    'onnx/yolov10-fp16-one2many.onnx', 'onnx/yolov10-w4a16-qcdq-one2many.onnx', 'eval/fp16-one2many.metrics.json', 'eval/qat-one2many.metrics.json',
    // The QAT fine-tune of the FP16 model: trained, exported with both heads, scored.
    'qat-w4a16-ft/run.json', 'qat-w4a16-ft/weights/best.pt', 'onnx/yolov10-w4a16-ft-qcdq.onnx', 'onnx/yolov10-w4a16-ft-qcdq-one2many.onnx',
    'eval/qat-ft.metrics.json', 'eval/qat-ft-one2many.metrics.json', 'ptq-w4a16/yolov10-w4a16-qat-ft-int4.onnx', 'eval/qat-ft-int4.metrics.json',
  ];
  for (const file of made) {
    assert.ok(existsSync(`${runRoot()}/${file}`), file);
  }
  assert.ok(!existsSync(`${runRoot()}/.in-progress/fp16`), 'finished training left its in-progress folder');
  // Each stage's output is written by that stage alone: Ultralytics' label caches go to the trainings' own views.
  const written = readdirSync(`${runRoot()}/dataset`, { recursive: true }).map(String);
  assert.deepEqual(written.filter((f) => f.endsWith('.cache')), [], 'a training wrote into the dataset stage output');
  assert.ok(existsSync(`${runRoot()}/.train-data/fp16/labels/train2017.cache`), 'the training did not read its own view');
  assert.ok(!existsSync(`${runRoot()}/ptq-w8a8/calibration.f32`), 'the letterboxed calibration tensor is no output');
  // The packed INT4 file scores exactly as its QCDQ file: the eval stage checks it, and here is the result.
  const stats = (file: string) => JSON.parse(readFileSync(`${runRoot()}/eval/${file}`, 'utf8')).stats;
  assert.deepEqual(stats('qat-int4.metrics.json'), stats('qat.metrics.json'));
  assert.deepEqual(stats('qat-ft-int4.metrics.json'), stats('qat-ft.metrics.json'));
  // The one-to-many files are raw heads, scored with the evaluator's NMS.
  const metricsOf = (file: string) => JSON.parse(readFileSync(`${runRoot()}/eval/${file}`, 'utf8'));
  assert.equal(metricsOf('fp16-one2many.metrics.json').headForm, 'raw');
  assert.equal(metricsOf('fp16.metrics.json').headForm, 'end2end');
  // Fidelity, on every eval: the file of the head each training validated (ci: one2one) against its final validation.
  for (const [variant, folder] of [['fp16', 'fp16'], ['qat', 'qat-w4a16'], ['qat-ft', 'qat-w4a16-ft']]) {
    const { fidelity } = metricsOf(`${variant}.metrics.json`);
    const run = JSON.parse(readFileSync(`${runRoot()}/${folder}/run.json`, 'utf8'));
    assert.equal(fidelity.head, run.valHead);
    assert.equal(fidelity.trainingMap50_95, run.finalMetrics['metrics/mAP50-95(B)']);
    assert.equal(fidelity.onnxMap50_95, metricsOf(`${variant}.metrics.json`).ultralytics.mAP50_95);
    assert.equal(fidelity.difference, fidelity.onnxMap50_95 - fidelity.trainingMap50_95);
    assert.ok(!('fidelity' in metricsOf(`${variant}-one2many.metrics.json`)));
  }
  const md = readFileSync(`${runRoot()}/summary/summary.md`, 'utf8');
  assert.match(md, /\|  \| FP16 \(AMP\) \| W4A16 QAT \| W4A16 QAT fine-tune \| W4A16 PTQ \| W8A8 PTQ \|/);
  assert.match(md, /## 4-bit recipes: accuracy and cost/);
  assert.match(md, /\| W4A16 QAT fine-tune \| 1 \(fine-tune\) \| \d\.\d{3} \| \d+\.\d{3} h /);
  assert.match(md, /## NMS-free vs NMS: both heads of each trained model/);
  assert.match(md, /\| mAP50-95, NMS-free − NMS \| [-+]\d\.\d{3} \| [-+]\d\.\d{3} \|/);
  assert.match(md, /## Export and eval fidelity/);
  assert.match(md, /\| difference \(ONNX − training\) \| [-+]\d\.\d{4} \| [-+]\d\.\d{4} \|/);
  assert.match(md, /Training with quantization gained/);
  assert.match(md, /## Quantization report/);
  assert.match(md, /## Training events/);
  // Every QAT epoch records its weight code changes, and the QAT run carries the collapse watch's settings.
  assert.match(readFileSync(`${runRoot()}/qat-w4a16/results.csv`, 'utf8').split('\n')[0]!, /qat\/code_change/);
  assert.deepEqual(JSON.parse(readFileSync(`${runRoot()}/qat-w4a16/request.json`, 'utf8')).collapse_watch, { drop_fraction: 0.3, epochs: 3, min_best: 0.05 });
  // The fine-tune started from the FP16 model this run trained (its sha256 is in the request, and so in its resume digest).
  const fineTune = JSON.parse(readFileSync(`${runRoot()}/qat-w4a16-ft/request.json`, 'utf8'));
  assert.equal(fineTune.fine_tune.init_sha256, createHash('sha256').update(readFileSync(`${runRoot()}/fp16/weights/best.pt`)).digest('hex'));
  assert.equal(fineTune.epochs, 1);
  assert.ok(fineTune.qat, 'trained with the QAT quantizer');
});

test('a second run is all cache hits', async () => {
  const run = await pipeline();
  assert.equal(run.code, 0, explain(run));
  assert.deepEqual(sorted(run.cached), sorted(all), explain(run));
  process.stdout.write(`# cached rerun of the whole graph: ${run.seconds.toFixed(1)} s (goal < 5 s: tools/bench/cache/rerun.ts)\n`);
});

test('changing an eval setting that cannot change a calibration reruns eval and summary; ptq-w8a8 stays cached', async () => {
  ws.edit('conf/eval.yaml', (t) => t.replace('latencyRuns: 5', 'latencyRuns: 6'));
  const run = await pipeline();
  assert.equal(run.code, 0, explain(run));
  assert.deepEqual(sorted(run.ran), sorted(['eval', 'summary']), explain(run));
  assert.ok(run.cached.includes('ptq-w8a8'), explain(run));
});

test('changing the letterbox style (conf/preprocess.yaml) recalibrates W8A8 and rescores; nothing upstream reruns', async () => {
  ws.edit('conf/preprocess.yaml', (t) => t.replace('letterbox: val', 'letterbox: predict'));
  const run = await pipeline();
  assert.equal(run.code, 0, explain(run));
  assert.deepEqual(sorted(run.ran), sorted(['ptq-w8a8', 'eval', 'summary']), explain(run));
  assert.equal(JSON.parse(readFileSync(`${runRoot()}/ptq-w8a8/calibration.json`, 'utf8')).letterbox, 'predict');
});

test('changing the calibration reruns only the W8A8 branch, eval and summary; the other models are not scored again', async () => {
  ws.edit('conf/ptq.yaml', (t) => t.replace('calibrationMethod: minmax', 'calibrationMethod: percentile'));
  const run = await pipeline();
  assert.equal(run.code, 0, explain(run));
  assert.deepEqual(sorted(run.ran), sorted(['ptq-w8a8', 'eval', 'summary']), explain(run));
  assert.deepEqual(sorted(run.cached), sorted(['dataset', 'hyps', 'train-fp16', 'train-qat', 'train-qat-ft', 'export', 'ptq-w4a16']), explain(run));
  const memo = JSON.parse(readFileSync(`${runRoot()}/eval/eval.json`, 'utf8'));
  assert.deepEqual(
    Object.fromEntries(['fp16', 'qat', 'qat-ft', 'fp16-one2many', 'qat-one2many', 'qat-ft-one2many', 'qat-int4', 'qat-ft-int4', 'ptq-w4a16', 'ptq-w8a8'].map((v) => [v, memo[v].reused])),
    { fp16: true, qat: true, 'qat-ft': true, 'fp16-one2many': true, 'qat-one2many': true, 'qat-ft-one2many': true, 'qat-int4': true, 'qat-ft-int4': true, 'ptq-w4a16': true, 'ptq-w8a8': false },
  );
  // A reused score is still checked against its training: the fidelity is written on every eval.
  assert.equal(JSON.parse(readFileSync(`${runRoot()}/eval/fp16.metrics.json`, 'utf8')).fidelity.head, 'one2one');
  assert.match(readFileSync(`${runRoot()}/summary/summary.md`, 'utf8'), /W8A8 calibration: \d+ train images .*percentile/);
});

test('changing hyps reruns every training and everything after them, not dataset', async () => {
  // A change the ci profile's 4 optimizer steps cannot round away (a small lr0 change can vanish in the FP16
  // checkpoint and the 4-bit codes, and then Nx rightly reuses the byte-identical ONNX files downstream).
  ws.edit('conf/hyp.scratch.yaml', (t) => t.replace('warmup_epochs: 3.0', 'warmup_epochs: 0.0'));
  const run = await pipeline();
  assert.equal(run.code, 0, explain(run));
  assert.deepEqual(sorted(run.ran), sorted(['hyps', 'train-fp16', 'train-qat', 'train-qat-ft', 'export', 'ptq-w4a16', 'ptq-w8a8', 'eval', 'summary']), explain(run));
  assert.deepEqual(run.cached, ['dataset'], explain(run));
});

test('changing QAT settings reruns both QAT trainings, the W4A16 PTQ (same quantizer) and what depends on them, not train-fp16 or the W8A8 branch', async () => {
  ws.edit('conf/qat.yaml', (t) => t.replace('narrowRange: true', 'narrowRange: false'));
  const run = await pipeline();
  assert.equal(run.code, 0, explain(run));
  // export reruns, but its FP16 file comes out byte-identical, so the W8A8 branch (which reads only that) stays cached.
  assert.deepEqual(sorted(run.ran), sorted(['train-qat', 'train-qat-ft', 'export', 'ptq-w4a16', 'eval', 'summary']), explain(run));
  const memo = JSON.parse(readFileSync(`${runRoot()}/eval/eval.json`, 'utf8'));
  assert.equal(memo.fp16.reused, true);
  assert.equal(memo['fp16-one2many'].reused, true);
  assert.equal(memo['ptq-w8a8'].reused, true);
  assert.equal(memo.qat.reused, false);
  assert.equal(memo['qat-one2many'].reused, false);
  assert.equal(memo['qat-ft'].reused, false);
  assert.equal(memo['ptq-w4a16'].reused, false);
});

test('nx affected after a conf/ change lists exactly the projects that depend on it', async () => {
  ws.git('add', '-A');
  ws.git('-c', 'user.email=test@localhost', '-c', 'user.name=test', 'commit', '-qm', 'edits so far');
  const affected = async (file: string, edit: (t: string) => string) => {
    ws.edit(file, edit);
    const run = await ws.nx(['show', 'projects', '--affected', '--base=HEAD']);
    ws.git('checkout', '-q', file);
    return sorted(run.output.trim().split('\n').filter((l) => all.includes(l.trim())).map((l) => l.trim()));
  };
  const comment = (t: string) => `${t}# touched\n`;
  // The image code that ptq-w8a8 (its calibration set) and export (its BatchNorm re-estimation images) share with eval
  // lives in libs/core/src/images, no Nx project, so neither is a graph dependent of eval: a conf file lists the stages
  // that read it and what follows them. ptq.yaml (the calibration) is ptq-w8a8's, preprocess.yaml (the letterbox style)
  // ptq-w8a8's and eval's, neither is export's (its BatchNorm images take the trainings' val style).
  assert.deepEqual(await affected('conf/eval.yaml', comment), sorted(['eval', 'summary']));
  assert.deepEqual(await affected('conf/preprocess.yaml', comment), sorted(['ptq-w8a8', 'eval', 'summary']));
  assert.deepEqual(await affected('conf/ptq.yaml', comment), sorted(['ptq-w8a8', 'eval', 'summary']));
  // affected follows the project graph: every project downstream of export, although Nx's hash later keeps ptq-w8a8 cached.
  assert.deepEqual(await affected('conf/qat.yaml', comment), sorted(['train-qat', 'train-qat-ft', 'export', 'ptq-w4a16', 'ptq-w8a8', 'eval', 'summary']));
  // The fine-tune's schedule has a file of its own: the from-scratch train-qat is not affected.
  assert.deepEqual(await affected('conf/finetune.yaml', comment), sorted(['train-qat-ft', 'export', 'ptq-w4a16', 'ptq-w8a8', 'eval', 'summary']));
  assert.deepEqual(await affected('conf/export.yaml', comment), sorted(['export', 'ptq-w4a16', 'ptq-w8a8', 'eval', 'summary']));
  assert.deepEqual(await affected('conf/hyp.scratch.yaml', comment), sorted(all.filter((p) => p !== 'dataset')));
  assert.deepEqual(await affected('conf/dataset.yaml', comment), sorted(all.filter((p) => p !== 'hyps')));
  assert.deepEqual(await affected('conf/resources.yaml', comment), [], 'devices and workers invalidate nothing');
  assert.deepEqual(await affected('conf/watch.yaml', comment), [], 'what the trainer warns about invalidates nothing');
});

test('deleting the run root restores every stage from the cache without recomputing', async () => {
  rmSync(runRoot(), { recursive: true, force: true });
  const run = await pipeline();
  assert.equal(run.code, 0, explain(run));
  assert.deepEqual(sorted(run.cached), sorted(all), explain(run));
  assert.ok(existsSync(`${runRoot()}/summary/summary.md`));
  assert.ok(existsSync(`${runRoot()}/dataset/images/val2017`));
  assert.ok(readFileSync(`${runRoot()}/dataset/data.yaml`, 'utf8').includes('names:'));
});

test('a failing stage is not cached and leaves the previous good outputs in place', async () => {
  const good = readFileSync(`${runRoot()}/eval/eval.json`, 'utf8');
  ws.edit('conf/eval.yaml', (t) => t.replace('providers: [cpu]', 'providers: [tensorrt]\ndisableCpuFallback: true').replace('disableCpuFallback: false\n', ''));
  const failing = await pipeline();
  assert.notEqual(failing.code, 0, explain(failing));
  assert.deepEqual(failing.failed, ['eval'], explain(failing));
  assert.equal(readFileSync(`${runRoot()}/eval/eval.json`, 'utf8'), good, 'the previous eval output was replaced');
  const again = await pipeline();
  assert.deepEqual(again.failed, ['eval'], 'a failure must not be cached: the stage runs again and fails again');
  assert.ok(!again.cached.includes('eval'));
});
