import { readFile, stat } from 'node:fs/promises';
import { basename } from 'node:path';
import { performance } from 'node:perf_hooks';
import ort from 'onnxruntime-node';
import { UserError } from '../../core/src/errors.ts';
import { sha256File } from '../../core/src/hashing.ts';
import { evaluateCocoBbox, loadCocoInstancesFile, loadCocoResultsFile, type CocoResult } from './coco/index.ts';
import { classMapFromCategories, cocoPaths, selectImages, subsetInstances, type EvalImage } from './dataset.ts';
import { decodeEndToEnd, decodeRawHead, VAL_NMS, type Detection } from './decode-output.ts';
import { toCocoResults } from './detections.ts';
import { decodeImageRgb } from './decode-image.ts';
import { summarizeLatency, type LatencyStats } from './latency.ts';
import { letterbox, LETTERBOX_STYLES, type LetterboxedImage, type LetterboxStyle } from './letterbox.ts';
import { LetterboxPool } from './letterbox-pool.ts';
import { refuseOutputsOverInputs } from './output-paths.ts';
import { buildMetrics, detectionsPathFor, writeJsonAtomically, type MetricsJson } from './metrics.ts';
import { checkRuntimeOutput, inspectModelIo, type ModelIo, type ValueInfo } from './model-io.ts';
import { prefetchInOrder } from './prefetch.ts';
import { progressReporter } from './progress.ts';
import type { RawImage } from './resize-linear.ts';
import { DEFAULT_SESSION_OPTIONS, openSession, type SessionOptions } from './session.ts';
import { emptyStageSeconds, type StageSeconds } from './stages.ts';

export interface EvaluateOnnxOptions {
  readonly onnxPath: string;
  /** COCO root with val2017/ and annotations/instances_val2017.json; the two below override its parts. */
  readonly dataRoot?: string;
  readonly imagesDir?: string;
  readonly annotationsPath?: string;
  /** Evaluate the first N images by id; all when absent. */
  readonly maxImages?: number;
  readonly imgsz?: number;
  /** Default ['cpu']. */
  readonly providers?: readonly string[];
  readonly disableCpuFallback?: boolean;
  readonly warmupRuns?: number;
  /** Timed session.run calls (batch 1, one image) for the latency figures. */
  readonly latencyRuns?: number;
  readonly skipLatency?: boolean;
  readonly conf?: number;
  /** Model class index -> COCO category id; default: the instances' categories in ascending id order. */
  readonly classMap?: readonly number[];
  /** Images decoded and letterboxed ahead of inference. */
  readonly prefetch?: number;
  /** Worker threads that decode and letterbox (0: letterboxing on the main thread, decoding still on libuv's pool). */
  readonly workers?: number;
  /** Images per session.run (the model needs a dynamic batch axis for more than 1); latency stays batch 1. */
  readonly batch?: number;
  /** Which Ultralytics preprocessing to reproduce (see LetterboxStyle). */
  readonly letterbox?: LetterboxStyle;
  /** onnxruntime settings; DEFAULT_SESSION_OPTIONS when absent (foldQdqWeights is only ever used for a second latency figure). */
  readonly session?: Partial<Omit<SessionOptions, 'foldQdqWeights'>>;
  /** Seconds between progress lines. */
  readonly progressIntervalSeconds?: number;
  /** Where to write the metrics JSON; the COCO results go beside it (see detectionsPathFor). Nothing written if absent. */
  readonly out?: string;
  readonly log?: (line: string) => void;
}

export interface EvaluationOutput {
  readonly metrics: MetricsJson;
  readonly results: readonly CocoResult[];
  readonly metricsPath: string | null;
  readonly detectionsPath: string | null;
}

export const DEFAULTS = {
  imgsz: 640,
  warmupRuns: 10,
  latencyRuns: 100,
  conf: VAL_NMS.conf,
  prefetch: 4,
  /** Measured on 2 cores (docs/benchmarks.md): a letterbox worker there only competes with onnxruntime's threads. */
  workers: 0,
  batch: 1,
  /** The preprocessing of Ultralytics' val, with which the trainings' own mAP (results.csv) is measured. */
  letterbox: 'val' as LetterboxStyle,
  progressIntervalSeconds: 10,
} as const;

const stderrLog = (line: string): void => void process.stderr.write(`${line}\n`);

/** Runs an ONNX detector over COCO val images and scores it with the COCO bbox metric. */
export async function evaluateOnnx(options: EvaluateOnnxOptions): Promise<EvaluationOutput> {
  const log = options.log ?? stderrLog;
  const imgsz = options.imgsz ?? DEFAULTS.imgsz;
  const conf = options.conf ?? DEFAULTS.conf;
  const warmupRuns = options.warmupRuns ?? DEFAULTS.warmupRuns;
  const latencyRuns = options.latencyRuns ?? DEFAULTS.latencyRuns;
  checkCount(imgsz, 'imgsz', 32);
  checkCount(warmupRuns, 'warmup-runs', 0);
  checkCount(latencyRuns, 'latency-runs', 1);
  if (options.maxImages !== undefined) checkCount(options.maxImages, 'max-images', 1);
  const prefetch = options.prefetch ?? DEFAULTS.prefetch;
  const workers = options.workers ?? DEFAULTS.workers;
  const batch = options.batch ?? DEFAULTS.batch;
  const style = options.letterbox ?? DEFAULTS.letterbox;
  const sessionOptions: SessionOptions = { ...DEFAULT_SESSION_OPTIONS, ...options.session, foldQdqWeights: false };
  checkCount(prefetch, 'prefetch', 1);
  checkCount(workers, 'workers', 0);
  checkCount(batch, 'batch', 1);
  checkCount(sessionOptions.intraOpThreads, 'intra-op-threads', 0);
  if (!LETTERBOX_STYLES.includes(style)) throw new UserError(`expected one of ${LETTERBOX_STYLES.join(', ')}, got '${style}'`, '--letterbox');
  if (!(conf >= 0 && conf <= 1)) throw new UserError(`expected a confidence threshold in [0, 1], got ${conf}`, '--conf');

  const { imagesDir, annotationsPath } = resolveData(options);
  if (options.out) {
    refuseOutputsOverInputs(
      [
        { option: '--out', path: options.out },
        { option: 'the detections file beside --out', path: detectionsPathFor(options.out) },
      ],
      [
        { option: '--onnx-path', path: options.onnxPath },
        { option: '--annotations', path: annotationsPath },
        { option: 'the images folder', path: imagesDir },
      ],
    );
  }
  const instances = await loadCocoInstancesFile(annotationsPath);
  const images = selectImages(instances, imagesDir, options.maxImages, annotationsPath);
  if (images.length === 0) throw new UserError('the instances file lists no images', annotationsPath);
  const classMap = options.classMap ?? classMapFromCategories(instances.categories);

  const providers = options.providers ?? ['cpu'];
  const disableCpuFallback = options.disableCpuFallback ?? false;
  const opened = await openSession({ onnxPath: options.onnxPath, providers, disableCpuFallback, options: sessionOptions, log });
  const { session } = opened;
  const pool = new LetterboxPool(workers, imgsz, style);
  try {
    const io = inspectModelIo(
      session.inputMetadata as readonly ValueInfo[],
      session.outputMetadata as readonly ValueInfo[],
      options.onnxPath,
      imgsz,
      classMap.length,
      batch,
    );
    const infer = inferenceFor(session, io, options.onnxPath);
    const qdq = await hasQdqNodes(options.onnxPath);

    let latencyMs: LatencyStats | null = null;
    let latencyQdqFoldedMs: LatencyStats | null = null;
    if (!options.skipLatency) {
      const sample = (await pool.prepare(images[0]!.path)).tensor;
      latencyMs = await measureLatency(() => infer(sample, 1), warmupRuns, latencyRuns);
      log(`latency${qdq ? ' (weight Q/DQ re-run at every inference, as stored)' : ''} over ${latencyRuns} runs after ${warmupRuns} warm-up: ${describeLatency(latencyMs)}`);
      if (qdq) {
        latencyQdqFoldedMs = await foldedQdqLatency(options.onnxPath, providers, disableCpuFallback, sessionOptions, io, sample, warmupRuns, latencyRuns, log);
        log(`latency (weight Q/DQ folded at load time) over ${latencyRuns} runs after ${warmupRuns} warm-up: ${describeLatency(latencyQdqFoldedMs)}`);
      }
    }

    const stages: StageSeconds = emptyStageSeconds();
    const since = (t0: number): number => (performance.now() - t0) / 1000;
    const started = performance.now();
    const results: CocoResult[] = [];
    // Inline, only the decode runs ahead (on libuv's pool) and letterboxing writes straight into the batch buffer;
    // with workers, whole input tensors come back and are copied in.
    const prepare = async (image: EvalImage): Promise<{ image: EvalImage; ready: RawImage | LetterboxedImage }> => {
      const ready = workers > 0 ? await pool.prepare(image.path) : await decodeImageRgb(image.path);
      return { image, ready };
    };
    const volume = 3 * imgsz * imgsz;
    const batchInput = new Float32Array(batch * volume);
    const tick = progressReporter({ total: images.length, intervalMs: 1000 * (options.progressIntervalSeconds ?? DEFAULTS.progressIntervalSeconds), log });
    let done = 0;
    const source = prefetchInOrder(images, Math.max(prefetch, batch), prepare);
    while (done < images.length) {
      const group: { image: EvalImage; inverse: LetterboxedImage['inverse'] }[] = [];
      while (group.length < batch && done + group.length < images.length) {
        const t0 = performance.now();
        const next = await source.next();
        stages.decodeWait += since(t0);
        if (next.done) throw new Error('evaluateOnnx: the image source ended early');
        const { image, ready } = next.value;
        const t1 = performance.now();
        const slot = batchInput.subarray(group.length * volume, (group.length + 1) * volume);
        let inverse: LetterboxedImage['inverse'];
        if ('tensor' in ready) {
          slot.set(ready.tensor);
          inverse = ready.inverse;
        } else {
          inverse = letterbox(ready, imgsz, style, slot).inverse;
        }
        stages.letterbox += since(t1);
        group.push({ image, inverse });
      }
      const t2 = performance.now();
      const output = await infer(batchInput.subarray(0, group.length * volume), group.length);
      stages.inference += since(t2);
      const t3 = performance.now();
      const perImage = output.data.length / group.length;
      checkRuntimeOutput(io.output, output.dims, options.onnxPath, group.length);
      group.forEach(({ image, inverse }, k) => {
        const detections = decodeDetections(output.data.subarray(k * perImage, (k + 1) * perImage), io, conf, output.dims);
        for (const r of toCocoResults(detections, image.id, inverse, classMap, options.onnxPath)) results.push(r);
      });
      stages.decodeOutput += since(t3);
      done += group.length;
      tick(done);
    }
    const seconds = (performance.now() - started) / 1000;
    log(`${images.length} images in ${seconds.toFixed(2)} s (${(images.length / seconds).toFixed(2)} images/s, batch ${batch}), ${results.length} detections`);

    const t4 = performance.now();
    const gtCategories = new Set(instances.categories.map((c) => c.id));
    const scored = results.filter((r) => gtCategories.has(r.category_id));
    const evaluation = evaluateCocoBbox(subsetInstances(instances, new Set(images.map((i) => i.id))), scored, {
      instancesSource: annotationsPath,
      resultsSource: `detections of ${options.onnxPath}`,
    });
    stages.metric = since(t4);
    log(`seconds per stage: ${describeStages(stages, images.length)}`);
    const onnxStat = await stat(options.onnxPath);
    const detectionsPath = options.out ? detectionsPathFor(options.out) : null;
    const metrics = buildMetrics(evaluation, {
      latencyMs,
      latencyQdqFoldedMs,
      throughput: { images: images.length, seconds, imagesPerSecond: images.length / seconds, batch, workers, stageSeconds: stages },
      images: images.length,
      imgsz,
      letterbox: style,
      session: { intraOpThreads: sessionOptions.intraOpThreads, graphOptimizationLevel: sessionOptions.graphOptimizationLevel, executionMode: sessionOptions.executionMode },
      conf,
      headForm: io.output.kind,
      detections: results.length,
      detectionsOutsideGtCategories: results.length - scored.length,
      providers: opened.providers,
      onnx: { path: options.onnxPath, sha256: await sha256File(options.onnxPath), sizeBytes: onnxStat.size },
      annotations: { path: annotationsPath, sha256: await sha256File(annotationsPath) },
      detectionsFile: detectionsPath ? basename(detectionsPath) : null,
    });
    if (options.out && detectionsPath) {
      await writeJsonAtomically(detectionsPath, results);
      await writeJsonAtomically(options.out, metrics);
    }
    return { metrics, results, metricsPath: options.out ?? null, detectionsPath };
  } finally {
    await pool.close();
    await session.release();
  }
}

export interface ScoreDetectionsOptions {
  readonly detectionsPath: string;
  readonly annotationsPath: string;
  readonly out?: string;
}

/** Scores an existing COCO results file against an instances file, with no model involved. */
export async function scoreDetectionsFile(options: ScoreDetectionsOptions): Promise<EvaluationOutput> {
  if (options.out) {
    refuseOutputsOverInputs(
      [{ option: '--out', path: options.out }],
      [
        { option: '--detections', path: options.detectionsPath },
        { option: '--annotations', path: options.annotationsPath },
      ],
    );
  }
  const instances = await loadCocoInstancesFile(options.annotationsPath);
  const results = await loadCocoResultsFile(options.detectionsPath, instances);
  const evaluation = evaluateCocoBbox(instances, results, {
    instancesSource: options.annotationsPath,
    resultsSource: options.detectionsPath,
  });
  const metrics = buildMetrics(evaluation, {
    latencyMs: null,
    latencyQdqFoldedMs: null,
    throughput: null,
    images: instances.images.length,
    imgsz: null,
    letterbox: null,
    session: null,
    conf: null,
    headForm: null,
    detections: results.length,
    detectionsOutsideGtCategories: 0, // a results file naming an unknown category is refused instead
    providers: [],
    onnx: null,
    annotations: { path: options.annotationsPath, sha256: await sha256File(options.annotationsPath) },
    detectionsFile: options.detectionsPath,
  });
  if (options.out) await writeJsonAtomically(options.out, metrics);
  return { metrics, results, metricsPath: options.out ?? null, detectionsPath: options.detectionsPath };
}

function resolveData(options: EvaluateOnnxOptions): { imagesDir: string; annotationsPath: string } {
  const fromRoot = options.dataRoot ? cocoPaths(options.dataRoot) : undefined;
  const imagesDir = options.imagesDir ?? fromRoot?.imagesDir;
  const annotationsPath = options.annotationsPath ?? fromRoot?.annotations;
  if (!imagesDir || !annotationsPath) {
    throw new UserError('give a COCO root (with val2017/ and annotations/instances_val2017.json), or both an images folder and an instances file', '--data-root');
  }
  return { imagesDir, annotationsPath };
}

type Inference = (tensor: Float32Array, batch: number) => Promise<{ data: Float32Array; dims: readonly number[] }>;

function inferenceFor(session: ort.InferenceSession, io: ModelIo, onnxPath: string): Inference {
  return async (tensor, batch) => {
    let outputs: ort.InferenceSession.ReturnType;
    try {
      outputs = await session.run({ [io.inputName]: new ort.Tensor('float32', tensor, [batch, 3, io.imgsz, io.imgsz]) }, [io.output.name]);
    } catch (error) {
      throw new UserError(`inference failed: ${(error as Error).message.split('\n')[0]}`, onnxPath);
    }
    const out = outputs[io.output.name] as ort.Tensor;
    if (out.type !== 'float32') throw new UserError(`output '${io.output.name}' came back as ${out.type}, expected float32`, onnxPath);
    return { data: out.data as Float32Array, dims: out.dims };
  };
}

/** One image's slice of a checked batch output ([batch, rows, 6] or [batch, 4 + nc, anchors]). */
function decodeDetections(data: Float32Array, io: ModelIo, conf: number, dims: readonly number[]): Detection[] {
  if (io.output.kind === 'end2end') return decodeEndToEnd(data, conf, VAL_NMS.maxDet);
  return decodeRawHead(data, io.output.numClasses, dims[2]!, { ...VAL_NMS, conf });
}

/**
 * Whether the file holds QuantizeLinear/DequantizeLinear nodes: ONNX stores each node's op_type as a plain string, so
 * the bytes say it without a protobuf parser (a false positive only costs one more latency measurement).
 */
export async function hasQdqNodes(onnxPath: string): Promise<boolean> {
  return (await readFile(onnxPath)).includes('DequantizeLinear');
}

/** Latency of the same file with the weight Q/DQ folded into float weights when the session loads. */
async function foldedQdqLatency(
  onnxPath: string,
  providers: readonly string[],
  disableCpuFallback: boolean,
  sessionOptions: SessionOptions,
  io: ModelIo,
  sample: Float32Array,
  warmupRuns: number,
  latencyRuns: number,
  log: (line: string) => void,
): Promise<LatencyStats> {
  const folded = await openSession({ onnxPath, providers, disableCpuFallback, options: { ...sessionOptions, foldQdqWeights: true }, log });
  try {
    const infer = inferenceFor(folded.session, io, onnxPath);
    return await measureLatency(() => infer(sample, 1), warmupRuns, latencyRuns);
  } finally {
    await folded.session.release();
  }
}

function describeLatency(l: LatencyStats): string {
  return `mean ${l.mean.toFixed(2)} ms, p50 ${l.p50.toFixed(2)}, p90 ${l.p90.toFixed(2)}, p99 ${l.p99.toFixed(2)}`;
}

function describeStages(s: StageSeconds, images: number): string {
  const perImage = (v: number): string => `${v.toFixed(2)} s (${((1000 * v) / images).toFixed(2)} ms/image)`;
  return (
    `waiting for decoded images ${perImage(s.decodeWait)}; ` +
    `letterbox ${perImage(s.letterbox)}; inference ${perImage(s.inference)}; decode output ${perImage(s.decodeOutput)}; metric ${s.metric.toFixed(2)} s`
  );
}

async function measureLatency(run: () => Promise<unknown>, warmupRuns: number, runs: number): Promise<LatencyStats> {
  for (let i = 0; i < warmupRuns; i++) await run();
  const samples: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t0 = performance.now();
    await run();
    samples.push(performance.now() - t0);
  }
  return summarizeLatency(samples);
}

function checkCount(value: number, name: string, min: number): void {
  if (!Number.isInteger(value) || value < min) throw new UserError(`expected an integer >= ${min}, got ${value}`, `--${name}`);
}
