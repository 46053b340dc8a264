import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import ort from 'onnxruntime-node';
import sharp from 'sharp';
import { UserError } from '../../core/src/errors.ts';
import { metricsJsonSchema, writtenMetricsSchema } from '../../core/src/schemas/eval.ts';
import { runCli } from './cli.ts';
import { evaluateOnnx, type EvaluateOnnxOptions } from './evaluate-onnx.ts';
import type { MetricsJson } from './metrics.ts';
import { fixedInputSide } from '../../core/src/onnx-input.ts';
import { runOracle } from '../testing/parity/run-oracle.ts';
import { syntheticRgb } from '../../core/src/images/testing/fixture-images.ts';
import { cudaProviderLibrary, missingProviders, sessionCount, sessionCreateOptions, threadsPerSession } from './session.ts';
import { DEFAULT_SESSION_OPTIONS, DEFAULTS, settingsWith } from './defaults.ts';
import type { EvaluatorSettings } from './settings.ts';

// A tiny COCO root: landscape 640x480 and 500x375 images, letterboxed at 320. The test models output constant
// boxes in input pixels; the ground truth is those boxes mapped back by hand, so a correct pipeline scores AP 1.
const IMGSZ = 320;
const CATEGORIES = [
  { id: 1, name: 'person' },
  { id: 3, name: 'car' },
  { id: 7, name: 'train' },
];
/** Input-pixel boxes (x1, y1, x2, y2) and model class index; y inside the 40..280 band both image sizes fill. */
const BOXES = [
  { box: [32, 64, 160, 240], cls: 0, score: 0.9 },
  { box: [192, 96, 288, 176], cls: 1, score: 0.8 },
];
const IMAGES = [
  { id: 1, width: 640, height: 480 },
  { id: 2, width: 640, height: 480 },
  { id: 3, width: 500, height: 375 },
];

let dir: string;
let dataRoot: string;
let models: string;

/** Where an input-pixel box lands in an image (its exact inverse letterbox, for these sizes). */
function toOriginal([x1, y1, x2, y2]: number[], width: number, height: number): number[] {
  const gain = Math.min(IMGSZ / width, IMGSZ / height);
  const padY = (IMGSZ - Math.round(height * gain)) / 2;
  return [x1! / gain, (y1! - padY) / gain, (x2! - x1!) / gain, (y2! - y1!) / gain];
}

before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'eval-e2e-'));
  dataRoot = join(dir, 'coco');
  models = join(dir, 'models');
  await mkdir(join(dataRoot, 'val2017'), { recursive: true });
  await mkdir(join(dataRoot, 'annotations'), { recursive: true });
  await mkdir(models);
  const annotations = [];
  for (const image of IMAGES) {
    const raw = syntheticRgb(image.width, image.height, image.id);
    await sharp(raw, { raw: { width: image.width, height: image.height, channels: 3 } })
      .jpeg()
      .toFile(join(dataRoot, 'val2017', `${String(image.id).padStart(12, '0')}.jpg`));
    for (const b of BOXES) {
      const bbox = toOriginal(b.box, image.width, image.height);
      annotations.push({ id: annotations.length + 1, image_id: image.id, category_id: CATEGORIES[b.cls]!.id, bbox, area: bbox[2]! * bbox[3]!, iscrowd: 0 });
    }
  }
  const instances = {
    images: IMAGES.map((i) => ({ ...i, file_name: `${String(i.id).padStart(12, '0')}.jpg` })),
    annotations,
    categories: CATEGORIES,
  };
  await writeFile(join(dataRoot, 'annotations', 'instances_val2017.json'), JSON.stringify(instances));

  // End-to-end rows: the two boxes, one at exactly conf (must be dropped: not strictly above), zeros after.
  const e2e = Array.from({ length: 300 }, () => [0, 0, 0, 0, 0, 0]);
  BOXES.forEach((b, i) => (e2e[i] = [...b.box, b.score, b.cls]));
  e2e[2] = [100, 100, 140, 140, 0.001, 2];
  // Raw head, 3 classes, 50 anchors: the two boxes, a weaker near-duplicate of the first (NMS removes it), noise below conf.
  const anchors = 50;
  const raw = Array.from({ length: 7 }, () => new Array<number>(anchors).fill(0));
  const put = (a: number, [x1, y1, x2, y2]: number[], cls: number, score: number): void => {
    raw[0]![a] = (x1! + x2!) / 2;
    raw[1]![a] = (y1! + y2!) / 2;
    raw[2]![a] = x2! - x1!;
    raw[3]![a] = y2! - y1!;
    raw[4 + cls]![a] = score;
  };
  BOXES.forEach((b, i) => put(i, b.box, b.cls, b.score));
  put(2, [34, 66, 162, 242], 0, 0.5);
  for (let a = 3; a < anchors; a++) put(a, [10, 50, 20, 60], a % 3, 0.0005);
  await runOracle('make_test_models.py', [models], JSON.stringify({ imgsz: IMGSZ, e2e, raw }));
});

after(async () => {
  await rm(dir, { recursive: true, force: true });
});

const quiet = (): void => undefined;

/** Settings changed from the defaults, checked as every caller's are (defaults.ts settingsWith). */
type Changed = Partial<Record<keyof EvaluatorSettings, unknown>>;
/** The end-to-end model on the test COCO root at IMGSZ, with `changed` settings and other options. */
const evaluate = (changed: Changed, options: Partial<EvaluateOnnxOptions> = {}) =>
  evaluateOnnx({ onnxPath: join(models, 'e2e.onnx'), dataRoot, settings: settingsWith({ imgsz: IMGSZ, ...changed }), log: quiet, ...options });

function assertPerfect(metrics: MetricsJson): void {
  assert.equal(metrics.mAP50_95, 1);
  assert.equal(metrics.mAP50, 1);
  // Ultralytics' interpolation drops to precision 0 at the last recall reached, so a perfect model scores 0.995.
  const { mAP50_95, mAP50, precision, recall } = metrics.ultralytics;
  assert.deepEqual([mAP50_95, mAP50, precision, recall].map((v) => Number(v.toFixed(12))), [0.995, 0.995, 1, 1]);
  assert.equal(metrics.AR100, 1);
  assert.equal(metrics.stats.length, 12);
  assert.equal(metrics.detections, IMAGES.length * BOXES.length);
}

test('end-to-end model: CLI run scores AP 1 and writes metrics + detections; --detections rescoring agrees', async () => {
  const out = join(dir, 'out', 'e2e.metrics.json');
  const run = await runCli(['--onnx-path', join(models, 'e2e.onnx'), '--data-root', dataRoot, '--imgsz', String(IMGSZ), '--out', out, '--warmup-runs', '2', '--latency-runs', '5']);
  assert.ok(run);
  const written = JSON.parse(await readFile(out, 'utf8')) as MetricsJson;
  assertPerfect(written);
  assert.deepEqual(writtenMetricsSchema.parse(written), written, 'the file holds every key of its schema (the type MetricsJson), as the schema says');
  assert.deepEqual(metricsJsonSchema.parse(written).ultralytics, written.ultralytics, "the summary's schema reads the Ultralytics metric back");
  assert.equal(written.headForm, 'end2end');
  assert.deepEqual(written.providers, ['cpu']);
  assert.equal(written.latencyMs?.runs, 5);
  assert.equal(written.throughput?.images, IMAGES.length);
  assert.equal(written.detectionsFile, 'e2e.detections.json');
  assert.equal(written.onnx?.sha256.length, 64);
  assert.deepEqual(written.perCategory.map((c) => [c.categoryId, c.ap]), [[1, 1], [3, 1], [7, -1]]);
  assert.deepEqual((await readdir(join(dir, 'out'))).sort(), ['e2e.detections.json', 'e2e.metrics.json']); // no temp files left

  const detections = JSON.parse(await readFile(join(dir, 'out', 'e2e.detections.json'), 'utf8')) as { bbox: number[]; image_id: number }[];
  const third = detections.find((d) => d.image_id === 3)!;
  assert.deepEqual(third.bbox, [50, 37.5, 200, 275]); // 500x375 image: gain 0.64, 40 px of padding on top

  const rescored = await runCli(['--detections', join(dir, 'out', 'e2e.detections.json'), '--data-root', dataRoot, '--out', join(dir, 'rescored.json')]);
  assert.deepEqual(rescored!.metrics.stats, written.stats);
  assert.deepEqual(rescored!.metrics.perCategory, written.perCategory);
  assert.deepEqual(rescored!.metrics.ultralytics, written.ultralytics);
  assert.equal(rescored!.metrics.onnx, null);
  const rescoredFile = JSON.parse(await readFile(join(dir, 'rescored.json'), 'utf8')) as MetricsJson;
  assert.deepEqual(writtenMetricsSchema.parse(rescoredFile), rescoredFile, 'a rescored results file holds every key too');
});

test('raw-head model with dynamic input: NMS path, --skip-latency, --max-images, letterboxing inline', async () => {
  const { metrics, results } = await evaluate({ skipLatency: true, maxImages: 2, letterboxWorkers: 0 }, { onnxPath: join(models, 'raw.onnx') });
  assert.equal(metrics.headForm, 'raw');
  assert.equal(metrics.latencyMs, null);
  assert.equal(metrics.images, 2);
  assert.equal(results.length, 4); // the near-duplicate is suppressed, the noise is below conf
  assert.equal(metrics.mAP50_95, 1);
});

const rejects = async (changed: Changed, options: Partial<EvaluateOnnxOptions>, pattern: RegExp): Promise<void> => {
  await assert.rejects(
    async () => evaluate({ skipLatency: true, ...changed }, options),
    (e: unknown) => {
      assert.ok(e instanceof UserError, `expected a UserError, got ${String(e)}`);
      assert.match(e.message, pattern);
      return true;
    },
  );
};

test('model validation: wrong --imgsz, bad input or output shapes, fixed batch, two inputs', async () => {
  await rejects({ imgsz: 640 }, {}, /e2e\.onnx: .*fixed height of 320 but --imgsz is 640/);
  await rejects({}, { onnxPath: join(models, 'rank3_input.onnx') }, /rank3_input\.onnx: expected one float32 input of shape \[N or dynamic, 3, 320, 320\], found input 'images' float32\[1, 320, 320\]/);
  await rejects({}, { onnxPath: join(models, 'bad_output.onnx') }, /bad_output\.onnx: expected a first output of shape \[N, 300, 6\] \(end-to-end\) or \[N, 7, anchors\] .* found 'out' float32\[1, 300, 5\]/);
  await rejects({}, { onnxPath: join(models, 'two_inputs.onnx') }, /two_inputs\.onnx: .*found 2 inputs/);
  await rejects({}, { onnxPath: join(models, 'batch4.onnx') }, /batch4\.onnx: .*fixed batch of 4/);
  await rejects({}, { onnxPath: join(models, 'missing.onnx') }, /missing\.onnx: ONNX file not found/);
  await rejects({ providers: ['cuda'], disableCpuFallback: true }, {}, /execution provider cuda is not available/);
});

test("a file's fixed input side is read from the file; a free height or width, or no file, names the file", async () => {
  assert.equal(await fixedInputSide(join(models, 'e2e.onnx')), IMGSZ);
  assert.equal(await fixedInputSide(join(models, 'qdq_batch.onnx')), IMGSZ, 'a dynamic batch axis is fine');
  await assert.rejects(fixedInputSide(join(models, 'raw.onnx')), (e: unknown) => e instanceof UserError && /raw\.onnx: expected one input of fixed shape \[N, 3, S, S\], found 'images' \[batch, 3, height, width\]/.test(e.message));
  await assert.rejects(fixedInputSide(join(models, 'missing.onnx')), (e: unknown) => e instanceof UserError && /missing\.onnx: cannot load the ONNX model/.test(e.message));
});

test('a missing image file is a UserError naming it', async () => {
  const root = join(dir, 'coco-missing');
  await mkdir(join(root, 'annotations'), { recursive: true });
  await mkdir(join(root, 'val2017'), { recursive: true });
  const instances = JSON.parse(await readFile(join(dataRoot, 'annotations', 'instances_val2017.json'), 'utf8')) as Record<string, unknown>;
  await writeFile(join(root, 'annotations', 'instances_val2017.json'), JSON.stringify(instances));
  await rejects({ sessions: 1 }, { dataRoot: root }, /val2017\/000000000001\.jpg: image file not found/); // in order: one session
});

test('without --disable-cpu-fallback an unavailable provider warns and runs on CPU', async () => {
  const lines: string[] = [];
  const { metrics } = await evaluate({ skipLatency: true, providers: ['cuda', 'cpu'] }, { log: (l) => lines.push(l) });
  assert.deepEqual(metrics.providers, ['cpu']);
  assert.ok(lines.some((l) => /warning: execution provider cuda is not available/.test(l)), lines.join('\n'));
  assert.ok(lines.some((l) => /tools\/bootstrap\.sh --onnxruntime-node-install/.test(l)), 'the warning says how to install the CUDA provider');
});

test('a missing CUDA provider library is found before onnxruntime tries, and the error says how to install it', async () => {
  assert.deepEqual(missingProviders(['cuda', 'cpu'], () => false), ['cuda']);
  assert.deepEqual(missingProviders(['tensorrt', 'cuda', 'cpu'], () => false), ['tensorrt', 'cuda']);
  assert.deepEqual(missingProviders(['cuda', 'cpu'], () => true), [], 'with the library present, cuda goes to onnxruntime');
  assert.deepEqual(missingProviders(['cpu'], () => false), []);
  assert.match(cudaProviderLibrary(), /onnxruntime-node\/bin\/napi-v6\/linux\/(x64|arm64)\/libonnxruntime_providers_cuda\.so$/);
  // This machine has no CUDA provider library (the download is off in .npmrc), so this is the real failure path.
  await assert.rejects(
    evaluate({ skipLatency: true, providers: ['cuda'], disableCpuFallback: true }),
    (e: unknown) => e instanceof UserError && /--providers: execution provider cuda is not available .*bash tools\/bootstrap\.sh --onnxruntime-node-install.*drop --disable-cpu-fallback/.test(e.message),
  );
  const selected = sessionCreateOptions(['cuda', 'cpu'], false, DEFAULT_SESSION_OPTIONS);
  assert.deepEqual(selected.executionProviders, ['cuda', 'cpu'], '--providers cuda asks onnxruntime for the CUDA provider first');
  assert.equal(selected.executionMode, 'sequential');
  assert.equal(sessionCreateOptions(['cpu'], false, { ...DEFAULT_SESSION_OPTIONS, executionMode: 'parallel' }).executionMode, 'parallel');
});

test('CLI: unknown flags, missing flags and model flags with --detections are errors', async () => {
  await assert.rejects(runCli(['--onnx', 'x.onnx']), /Unknown option '--onnx'/);
  await assert.rejects(runCli(['--onnx-path', 'x.onnx']), /--onnx-path, --data-root and --out are required/);
  await assert.rejects(runCli(['--detections', 'd.json', '--annotations', 'a.json', '--imgsz', '640']), /--imgsz only apply to a model run/);
  await assert.rejects(runCli(['--onnx-path', 'x', '--data-root', 'y', '--out', 'z', '--max-images', 'ten']), /--max-images: expected an integer/);
  await assert.rejects(runCli(['--onnx-path', 'x', '--data-root', 'y', '--out', 'z', '--execution-mode', 'fast']), /--execution-mode: .*expected one of "sequential"\|"parallel", got "fast"/);

  await assert.rejects(runCli(['--onnx-path', 'x', '--data-root', 'y', '--out', 'z', '--sessions', 'many']), /--sessions: expected 'auto' or an integer, got 'many'/);
});

test('an --out (or the detections file beside it) that names an input is refused, and the input is left as it was', async () => {
  const victim = join(dir, 'victim.onnx');
  await writeFile(victim, await readFile(join(models, 'e2e.onnx')));
  const model = await readFile(victim);
  const run = (out: string, onnx = victim) => runCli(['--onnx-path', onnx, '--data-root', dataRoot, '--imgsz', String(IMGSZ), '--out', out]);
  await assert.rejects(run(victim), /^UserError: --out .*victim\.onnx: would overwrite --onnx-path .*victim\.onnx, which the evaluator reads/);
  await assert.rejects(run(join(dir, 'sub', '..', 'victim.onnx')), /would overwrite --onnx-path/); // another spelling of the same file
  await assert.rejects(run(join(dataRoot, 'annotations', 'instances_val2017.json')), /would overwrite --annotations/);
  // The COCO results go to <stem>.detections.json beside --out: that one may not name an input either.
  const beside = join(dir, 'm.detections.json');
  await writeFile(beside, model);
  await assert.rejects(run(join(dir, 'm.metrics.json'), beside), /the detections file beside --out .*m\.detections\.json: would overwrite --onnx-path/);
  assert.deepEqual(await readFile(victim), model);
  assert.deepEqual(await readFile(beside), model);

  const detections = join(dir, 'out', 'e2e.detections.json');
  const before = await readFile(detections, 'utf8');
  await assert.rejects(runCli(['--detections', detections, '--data-root', dataRoot, '--out', detections]), /--out .*: would overwrite --detections/);
  assert.equal(await readFile(detections, 'utf8'), before);
});

test('CLI: a negative number after an option is its value, and gets the option\'s own message', async () => {
  const args = ['--onnx-path', join(models, 'e2e.onnx'), '--data-root', dataRoot, '--imgsz', String(IMGSZ), '--out', join(dir, 'neg.json')];
  await assert.rejects(runCli([...args, '--max-images', '-5']), /--max-images: .*expected number to be >=1, got -5/);
  await assert.rejects(runCli([...args, '--max-images=-5']), /--max-images: .*expected number to be >=1, got -5/);
  await assert.rejects(runCli([...args, '--conf', '-0.5']), /--conf: .*expected number to be >=0, got -0.5/);
});

test('CLI entry point runs as a script and exits 1 with one line on a UserError', async () => {
  const result = await execa('node', ['--import', 'tsx', join(import.meta.dirname, 'cli.ts'), '--detections', join(dir, 'nope.json'), '--data-root', dataRoot], { reject: false });
  assert.equal(result.exitCode, 1);
  assert.match(result.stderr, /^error: .*nope\.json: cannot read a COCO results file/);
});

test('batch N gives the same detections as batch 1, the last partial batch included; latency stays batch 1', async () => {
  const model = join(models, 'qdq_batch.onnx');
  const run = (batch: number) => evaluate({ batch, warmupRuns: 1, latencyRuns: 2 }, { onnxPath: model });
  const one = await run(1);
  // Each image's rows are moved by its own content, so a batch sliced or ordered wrongly cannot score the same.
  const moved = new Set(one.results.map((r) => r.bbox.join(',')));
  assert.ok(moved.size > BOXES.length, 'the per-image model should give each image its own boxes');
  for (const batch of [2, 3]) {
    const many = await run(batch);
    assert.deepEqual(many.results, one.results, `batch ${batch}`);
    assert.deepEqual(many.metrics.stats, one.metrics.stats);
    assert.equal(many.metrics.throughput?.batch, batch);
    assert.equal(many.metrics.latencyMs?.runs, 2);
  }
  await assert.rejects(
    evaluate({ batch: 2, skipLatency: true }),
    /e2e\.onnx: .*fixed batch of 1; --batch 2 needs a model exported with a dynamic batch axis/,
  );
});

test('parallel sessions give the same detections in the same order as one session, count every image, and keep UserErrors', async () => {
  const model = join(models, 'qdq_batch.onnx');
  const one = await evaluate({ sessions: 1, skipLatency: true }, { onnxPath: model });
  for (const [sessions, batch, intraOpThreads] of [[2, 1, 0], [3, 1, 1], [2, 2, 0]] as const) {
    const lines: string[] = [];
    const many = await evaluate(
      { sessions, batch, session: { ...DEFAULTS.session, intraOpThreads }, skipLatency: true },
      { onnxPath: model, progressIntervalSeconds: 0, log: (l) => lines.push(l) },
    );
    const label = `sessions ${sessions}, batch ${batch}`;
    // Each image's rows are moved by its own content (see the batch test), so a result put back out of order differs.
    assert.deepEqual(many.results, one.results, label);
    assert.deepEqual(many.metrics.stats, one.metrics.stats, label);
    assert.equal(many.metrics.throughput?.sessions, sessions, label);
    assert.equal(many.metrics.throughput?.intraOpThreadsPerSession, threadsPerSession(intraOpThreads, sessions, availableParallelism()), label);
    assert.ok(lines.some((l) => l.startsWith(`${IMAGES.length}/${IMAGES.length} images`)), `${label}: ${lines.join('\n')}`);
  }
  const capped = await evaluate({ sessions: 8, batch: 2, skipLatency: true }, { onnxPath: model });
  assert.equal(capped.metrics.throughput?.sessions, 2, 'no more sessions than batches');
  assert.deepEqual(capped.results, one.results);
  const pooled = await evaluate({ letterboxWorkers: 1, skipLatency: true }, { onnxPath: model });
  assert.equal(pooled.metrics.throughput?.sessions, 1, "letterbox workers: 'auto' is one session");
  assert.deepEqual(pooled.results, one.results);
  const root = join(dir, 'coco-missing-parallel');
  await mkdir(join(root, 'annotations'), { recursive: true });
  await mkdir(join(root, 'val2017'), { recursive: true });
  await writeFile(join(root, 'annotations', 'instances_val2017.json'), await readFile(join(dataRoot, 'annotations', 'instances_val2017.json')));
  await rejects({ sessions: 2 }, { dataRoot: root }, /val2017\/00000000000[12]\.jpg: image file not found/);
});

test('parallel sessions: how many by default, and the cores shared out when onnxruntime would choose its own thread count', () => {
  assert.equal(threadsPerSession(0, 1, 16), 0, 'one session: onnxruntime chooses');
  assert.equal(threadsPerSession(0, 2, 2), 1);
  assert.equal(threadsPerSession(0, 3, 2), 1, 'never fewer than one thread');
  assert.equal(threadsPerSession(0, 2, 16), 8);
  assert.equal(threadsPerSession(3, 2, 16), 3, 'a requested count is kept');
  assert.equal(sessionCount('auto', ['cpu'], 2), 2, 'two one-thread sessions on 2 cores');
  assert.equal(sessionCount('auto', ['cpu'], 1), 2);
  assert.equal(sessionCount('auto', ['cpu'], 16), 8, 'two threads each');
  assert.equal(sessionCount('auto', ['cpu'], 64), 8, 'at most 8 model copies');
  assert.equal(sessionCount('auto', ['cuda', 'cpu'], 16), 2);
  assert.equal(sessionCount(3, ['cpu'], 16), 3, 'a requested count is kept');
});

test('a Q/DQ model gets a second latency with its weight Q/DQ folded at load time; a float model does not', async () => {
  const qdq = await evaluate({ warmupRuns: 1, latencyRuns: 3 }, { onnxPath: join(models, 'qdq_batch.onnx') });
  assert.equal(qdq.metrics.latencyMs?.runs, 3);
  assert.equal(qdq.metrics.latencyQdqFoldedMs?.runs, 3);
  const float = await evaluate({ warmupRuns: 1, latencyRuns: 3 });
  assert.equal(float.metrics.latencyQdqFoldedMs, null);
  assert.equal(float.metrics.letterbox, 'val');
  assert.deepEqual(float.metrics.session, { intraOpThreads: 0, graphOptimizationLevel: 'all', executionMode: 'sequential' });
  const stages = float.metrics.throughput!.stageSeconds;
  assert.ok(stages.inference > 0 && stages.decodeWait >= 0 && stages.letterbox > 0 && stages.metric > 0, JSON.stringify(stages));
});

test('folding the weight Q/DQ at load time removes the DequantizeLinear nodes; outputs equal to float32 rounding', async () => {
  const model = join(models, 'qdq_batch.onnx');
  const input = Float32Array.from({ length: 2 * 3 * IMGSZ * IMGSZ }, (_, i) => ((i * 2654435761) >>> 0) / 2 ** 32);
  const outputs: Float32Array[] = [];
  for (const foldQdqWeights of [false, true]) {
    const optimized = join(dir, `optimized-${foldQdqWeights}.onnx`);
    const session = await ort.InferenceSession.create(model, { ...sessionCreateOptions(['cpu'], false, { ...DEFAULT_SESSION_OPTIONS, foldQdqWeights }), optimizedModelFilePath: optimized });
    const out = await session.run({ images: new ort.Tensor('float32', input, [2, 3, IMGSZ, IMGSZ]) });
    outputs.push(out.output0!.data as Float32Array);
    await session.release();
    // What the session actually runs: with folding the Q -> Clip -> DQ chain is gone, without it is kept.
    assert.equal((await readFile(optimized)).includes('DequantizeLinear'), !foldQdqWeights, `foldQdqWeights ${foldQdqWeights}`);
  }
  // Not bit for bit: with a constant weight onnxruntime's conv prepacks it and sums in another order, so some values
  // move by one float32 ulp (measured: 1.2e-7 on values near 1). Anything beyond rounding would be a different weight.
  const relative = outputs[0]!.map((v, i) => Math.abs(v - outputs[1]![i]!) / Math.max(1, Math.abs(v)));
  const worst = Math.max(...relative);
  assert.ok(worst <= 1e-6, `outputs differ by up to ${worst} (relative)`);
});
