import { stat } from 'node:fs/promises';
import { availableParallelism } from 'node:os';
import { basename } from 'node:path';
import { performance } from 'node:perf_hooks';
import ort from 'onnxruntime-node';
import { UserError } from '../../core/src/errors.ts';
import { sha256File } from '../../core/src/hashing.ts';
import { evaluateCocoBbox, loadCocoInstancesFile, loadCocoResultsFile, type CocoResult } from './coco/index.ts';
import { classMapFromCategories, cocoPaths, selectImages, subsetInstances, type EvalImage } from './dataset.ts';
import { decodeEndToEnd, decodeRawHead, VAL_NMS, type Detection } from './decode-output.ts';
import { toCocoResults } from './detections.ts';
import { inverseLetterbox } from './geometry.ts';
import { summarizeLatency, type LatencyStats } from './latency.ts';
import { LetterboxPool } from './letterbox-pool.ts';
import { refuseOutputsOverInputs } from './output-paths.ts';
import { buildMetrics, detectionsPathFor, writeJsonAtomically, type MetricsJson } from './metrics.ts';
import { checkRuntimeOutput, inspectModelIo, type ModelIo, type ValueInfo } from './model-io.ts';
import { prefetchInOrder } from './prefetch.ts';
import { openSession } from './session.ts';

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
  /** Worker threads that decode and letterbox (0: on the main thread, no overlap with inference). */
  readonly workers?: number;
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
  /** Leave a core to onnxruntime; more than 4 workers has not helped keep one session fed. */
  workers: Math.min(4, Math.max(1, availableParallelism() - 1)),
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
  checkCount(prefetch, 'prefetch', 1);
  checkCount(workers, 'workers', 0);
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

  const opened = await openSession({
    onnxPath: options.onnxPath,
    providers: options.providers ?? ['cpu'],
    disableCpuFallback: options.disableCpuFallback ?? false,
    log,
  });
  const { session } = opened;
  const pool = new LetterboxPool(workers, imgsz);
  try {
    const io = inspectModelIo(
      session.inputMetadata as readonly ValueInfo[],
      session.outputMetadata as readonly ValueInfo[],
      options.onnxPath,
      imgsz,
      classMap.length,
    );
    const infer = inferenceFor(session, io, options.onnxPath);

    let latencyMs: LatencyStats | null = null;
    if (!options.skipLatency) {
      const sample = (await pool.prepare(images[0]!.path)).tensor;
      latencyMs = await measureLatency(() => infer(sample), warmupRuns, latencyRuns);
      log(`latency over ${latencyRuns} runs after ${warmupRuns} warm-up: mean ${latencyMs.mean.toFixed(2)} ms, p50 ${latencyMs.p50.toFixed(2)}, p90 ${latencyMs.p90.toFixed(2)}, p99 ${latencyMs.p99.toFixed(2)}`);
    }

    const started = performance.now();
    const results: CocoResult[] = [];
    const prepare = async (image: EvalImage) => ({ image, boxed: await pool.prepare(image.path) });
    let done = 0;
    for await (const { image, boxed } of prefetchInOrder(images, prefetch, prepare)) {
      const detections = decodeDetections(await infer(boxed.tensor), io, conf, options.onnxPath);
      const g = boxed.geometry;
      const inverse = inverseLetterbox(imgsz, imgsz, g.origWidth, g.origHeight);
      for (const r of toCocoResults(detections, image.id, inverse, classMap, options.onnxPath)) results.push(r);
      if (++done % 500 === 0) log(`${done}/${images.length} images`);
    }
    const seconds = (performance.now() - started) / 1000;
    log(`${images.length} images in ${seconds.toFixed(2)} s (${(images.length / seconds).toFixed(2)} images/s), ${results.length} detections`);

    const gtCategories = new Set(instances.categories.map((c) => c.id));
    const scored = results.filter((r) => gtCategories.has(r.category_id));
    const evaluation = evaluateCocoBbox(subsetInstances(instances, new Set(images.map((i) => i.id))), scored, {
      instancesSource: annotationsPath,
      resultsSource: `detections of ${options.onnxPath}`,
    });
    const onnxStat = await stat(options.onnxPath);
    const detectionsPath = options.out ? detectionsPathFor(options.out) : null;
    const metrics = buildMetrics(evaluation, {
      latencyMs,
      throughput: { images: images.length, seconds, imagesPerSecond: images.length / seconds },
      images: images.length,
      imgsz,
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
    throughput: null,
    images: instances.images.length,
    imgsz: null,
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

type Inference = (tensor: Float32Array) => Promise<{ data: Float32Array; dims: readonly number[] }>;

function inferenceFor(session: ort.InferenceSession, io: ModelIo, onnxPath: string): Inference {
  const shape = [1, 3, io.imgsz, io.imgsz];
  return async (tensor) => {
    let outputs: ort.InferenceSession.ReturnType;
    try {
      outputs = await session.run({ [io.inputName]: new ort.Tensor('float32', tensor, shape) }, [io.output.name]);
    } catch (error) {
      throw new UserError(`inference failed: ${(error as Error).message.split('\n')[0]}`, onnxPath);
    }
    const out = outputs[io.output.name] as ort.Tensor;
    if (out.type !== 'float32') throw new UserError(`output '${io.output.name}' came back as ${out.type}, expected float32`, onnxPath);
    return { data: out.data as Float32Array, dims: out.dims };
  };
}

function decodeDetections(output: { data: Float32Array; dims: readonly number[] }, io: ModelIo, conf: number, onnxPath: string): Detection[] {
  const count = checkRuntimeOutput(io.output, output.dims, onnxPath);
  if (io.output.kind === 'end2end') return decodeEndToEnd(output.data, conf, VAL_NMS.maxDet);
  return decodeRawHead(output.data, io.output.numClasses, count, { ...VAL_NMS, conf });
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
