import { readFile, stat } from 'node:fs/promises';
import { availableParallelism } from 'node:os';
import { basename } from 'node:path';
import { performance } from 'node:perf_hooks';
import { UserError } from '../../core/src/errors.ts';
import { sha256File } from '../../core/src/hashing.ts';
import { runBatches, splitIntoBatches, type PassSettings } from './batch-pass.ts';
import { evaluateCocoBbox, loadCocoInstancesFile, loadCocoResultsFile, type CocoResult } from './coco/index.ts';
import { classMapFromCategories, cocoPaths, selectImages, subsetInstances } from './dataset.ts';
import { inferenceFor, sessionModelIo } from './inference.ts';
import { summarizeLatency, type LatencyStats } from './latency.ts';
import { LetterboxPool } from './letterbox-pool.ts';
import { refuseOutputsOverInputs } from './output-paths.ts';
import { buildMetrics, detectionsPathFor, writeJsonAtomically, type MetricsJson } from './metrics.ts';
import type { ModelIo } from './model-io.ts';
import { ParallelSessions } from './parallel-sessions.ts';
import { progressReporter } from './progress.ts';
import { openSession, sessionCount, threadsPerSession, type Provider, type SessionOptions } from './session.ts';
import type { EvaluatorSettings } from './settings.ts';
import type { StageSeconds } from './stages.ts';
import { evaluateUltralyticsDetection } from './ultralytics-metric/index.ts';

export interface EvaluateOnnxOptions {
  readonly onnxPath: string;
  /** COCO root with val2017/ and annotations/instances_val2017.json; the two below override its parts. */
  readonly dataRoot?: string;
  readonly imagesDir?: string;
  readonly annotationsPath?: string;
  /** Model class index -> COCO category id; default: the instances' categories in ascending id order. */
  readonly classMap?: readonly number[];
  /** How to evaluate, checked where it entered (settings.ts): conf/eval.yaml's keys, imgsz and the letterbox style. */
  readonly settings: EvaluatorSettings;
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

const stderrLog = (line: string): void => void process.stderr.write(`${line}\n`);
const PROGRESS_INTERVAL_SECONDS = 10;

/** Runs an ONNX detector over COCO val images and scores it with the COCO bbox metric. */
export async function evaluateOnnx(options: EvaluateOnnxOptions): Promise<EvaluationOutput> {
  const log = options.log ?? stderrLog;
  const { imgsz, conf, warmupRuns, latencyRuns, prefetch, batch, providers, disableCpuFallback } = options.settings;
  const { letterboxWorkers: workers, sessions: requestedSessions, letterbox: style } = options.settings;
  const sessionOptions: SessionOptions = { ...options.settings.session, foldQdqWeights: false };

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
  const images = selectImages(instances, imagesDir, options.settings.maxImages ?? undefined, annotationsPath);
  if (images.length === 0) throw new UserError('the instances file lists no images', annotationsPath);
  const classMap = options.classMap ?? classMapFromCategories(instances.categories);

  const opened = await openSession({ onnxPath: options.onnxPath, providers, disableCpuFallback, options: sessionOptions, log });
  const { session } = opened;
  // Letterbox workers feed a single session, so 'auto' then means that one; a session without a batch would only load.
  const sessions = workers > 0 ? 1 : Math.min(sessionCount(requestedSessions, opened.providers, availableParallelism()), Math.ceil(images.length / batch));
  let released = false;
  const pool = new LetterboxPool(workers, imgsz, style);
  try {
    const settings: PassSettings = { onnxPath: options.onnxPath, imgsz, style, batch, prefetch, conf, classMap };
    const io = sessionModelIo(session, settings);
    const infer = inferenceFor(session, io, options.onnxPath);
    const qdq = await hasQdqNodes(options.onnxPath);

    let latencyMs: LatencyStats | null = null;
    let latencyQdqFoldedMs: LatencyStats | null = null;
    if (!options.settings.skipLatency) {
      const sample = (await pool.prepare(images[0]!.path)).tensor;
      latencyMs = await measureLatency(() => infer(sample, 1), warmupRuns, latencyRuns);
      log(`latency${qdq ? ' (weight Q/DQ re-run at every inference, as stored)' : ''} over ${latencyRuns} runs after ${warmupRuns} warm-up: ${describeLatency(latencyMs)}`);
      if (qdq) {
        latencyQdqFoldedMs = await foldedQdqLatency(options.onnxPath, providers, disableCpuFallback, sessionOptions, io, sample, warmupRuns, latencyRuns, log);
        log(`latency (weight Q/DQ folded at load time) over ${latencyRuns} runs after ${warmupRuns} warm-up: ${describeLatency(latencyQdqFoldedMs)}`);
      }
    }

    const batches = splitIntoBatches(images, batch);
    const resultsByBatch: CocoResult[][] = [];
    const tick = progressReporter({ total: images.length, intervalMs: 1000 * (options.progressIntervalSeconds ?? PROGRESS_INTERVAL_SECONDS), log });
    let done = 0;
    const collect = (index: number, count: number, batchResults: CocoResult[]): void => {
      resultsByBatch[index] = batchResults;
      done += count;
      tick(done);
    };
    const intraOpThreads = threadsPerSession(sessionOptions.intraOpThreads, sessions, availableParallelism());
    let parallel: ParallelSessions | null = null;
    if (sessions > 1) {
      await session.release(); // its latency is measured; the sessions below load their own copies
      released = true;
      const request = { onnxPath: options.onnxPath, providers: opened.providers, disableCpuFallback, options: { ...sessionOptions, intraOpThreads } };
      parallel = await ParallelSessions.open(sessions, request, settings, log);
    }
    const started = performance.now();
    let stages: StageSeconds;
    try {
      stages = parallel
        ? await parallel.run(batches, collect)
        : await runBatches(batches, infer, io, settings, (b, r) => collect(b.index, b.images.length, r), workers > 0 ? pool : null);
    } finally {
      await parallel?.close();
    }
    const results = resultsByBatch.flat();
    const seconds = (performance.now() - started) / 1000;
    log(`${images.length} images in ${seconds.toFixed(2)} s (${(images.length / seconds).toFixed(2)} images/s, batch ${batch}, ${sessions} session${sessions > 1 ? 's' : ''}), ${results.length} detections`);

    const t4 = performance.now();
    const gtCategories = new Set(instances.categories.map((c) => c.id));
    const scored = results.filter((r) => gtCategories.has(r.category_id));
    const evaluated = subsetInstances(instances, new Set(images.map((i) => i.id)));
    const sources = { instancesSource: annotationsPath, resultsSource: `detections of ${options.onnxPath}` };
    const evaluation = evaluateCocoBbox(evaluated, scored, sources);
    const ultralytics = evaluateUltralyticsDetection(evaluated, scored, { ...sources, classCategoryIds: classMap });
    stages.metric = (performance.now() - t4) / 1000;
    log(`seconds per stage: ${describeStages(stages, images.length)}`);
    const onnxStat = await stat(options.onnxPath);
    const detectionsPath = options.out ? detectionsPathFor(options.out) : null;
    const metrics = buildMetrics(evaluation, ultralytics, {
      latencyMs,
      latencyQdqFoldedMs,
      throughput: { images: images.length, seconds, imagesPerSecond: images.length / seconds, batch, workers, sessions, intraOpThreadsPerSession: intraOpThreads, stageSeconds: stages },
      images: images.length,
      imgsz,
      letterbox: style,
      session: { intraOpThreads: sessionOptions.intraOpThreads, graphOptimizationLevel: sessionOptions.graphOptimizationLevel, executionMode: sessionOptions.executionMode },
      conf,
      headForm: io.output.kind,
      detections: results.length,
      detectionsOutsideGtCategories: results.length - scored.length,
      providers: [...opened.providers],
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
    if (!released) await session.release();
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
  const sources = { instancesSource: options.annotationsPath, resultsSource: options.detectionsPath };
  const metrics = buildMetrics(evaluateCocoBbox(instances, results, sources), evaluateUltralyticsDetection(instances, results, sources), {
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
  providers: readonly Provider[],
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
