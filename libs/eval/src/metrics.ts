import { basename, dirname, join } from 'node:path';
import ort from 'onnxruntime-node';
import { writeFileAtomically } from '../../core/src/staging.ts';
import sharp from 'sharp';
import { cocoStatKeys, type CocoStatKey } from '../../core/src/vocabulary.ts';
import type { CategoryAp, CocoBboxEvaluation, CocoBboxStats } from './coco/index.ts';
import type { LatencyStats } from './latency.ts';
import type { LetterboxStyle } from './letterbox.ts';
import type { SessionOptions } from './session.ts';
import type { StageSeconds } from './stages.ts';
import type { UltralyticsDetectionMetrics } from './ultralytics-metric/index.ts';

export interface Throughput {
  readonly images: number;
  readonly seconds: number;
  readonly imagesPerSecond: number;
  /** Images per session.run. */
  readonly batch: number;
  /** Letterbox worker threads (0: letterboxing on the main thread). */
  readonly workers: number;
  /** onnxruntime sessions that evaluated at once, each in its own worker thread (1: the main thread's). */
  readonly sessions: number;
  /** Each one's intra-op threads (0: onnxruntime's choice; see threadsPerSession). */
  readonly intraOpThreadsPerSession: number;
  /** Where the time went (see StageSeconds; with workers, decode includes their letterboxing). */
  readonly stageSeconds: StageSeconds;
}

/** The metrics file the eval stage writes per model (<variant>.metrics.json) and the summary reads; the 12 stats also by name (vocabulary.ts). */
export interface MetricsJson extends CocoBboxStats {
  /** pycocotools' COCOeval.stats order, vocabulary.ts's cocoStatKeys. */
  readonly stats: readonly number[];
  readonly perCategory: readonly CategoryAp[];
  /** Ultralytics' metric on the same detections and non-crowd ground truth: what a training's results.csv reports. */
  readonly ultralytics: UltralyticsDetectionMetrics;
  /**
   * session.run wall time, batch 1, after warm-up, of the file as stored: for a QCDQ file onnxruntime's CPU provider
   * then re-runs every weight's Q -> Clip -> DQ at every inference. Null with --skip-latency or when scoring a results file.
   */
  readonly latencyMs: LatencyStats | null;
  /** The same with the weight Q/DQ folded into float weights at load time (session.disable_quant_qdq); null without Q/DQ nodes. */
  readonly latencyQdqFoldedMs: LatencyStats | null;
  /** Whole pipeline (read, decode, letterbox, inference, decoding); null when scoring a results file. */
  readonly throughput: Throughput | null;
  readonly images: number;
  readonly imgsz: number | null;
  /** Which Ultralytics preprocessing the tensors reproduce; null when scoring a results file. */
  readonly letterbox: LetterboxStyle | null;
  /** onnxruntime settings as configured (intraOpThreads 0: onnxruntime's own choice), the latency session's; throughput says what parallel sessions used. */
  readonly session: Omit<SessionOptions, 'foldQdqWeights'> | null;
  readonly conf: number | null;
  readonly headForm: 'end2end' | 'raw' | null;
  readonly detections: number;
  /**
   * Model detections of classes the ground truth has no category for (a dataset with fewer than 80 classes):
   * left out of scoring, as pycocotools leaves them out (it evaluates the ground truth's categories only).
   */
  readonly detectionsOutsideGtCategories: number;
  readonly providers: readonly string[];
  readonly onnx: { readonly path: string; readonly sha256: string; readonly sizeBytes: number } | null;
  readonly annotations: { readonly path: string; readonly sha256: string };
  /** The COCO results file scored: written beside the metrics (relative name) or the one given to --detections. */
  readonly detectionsFile: string | null;
  readonly versions: { readonly 'onnxruntime-node': string; readonly sharp: string; readonly node: string };
}

export type RunFacts = Omit<MetricsJson, 'stats' | 'perCategory' | 'ultralytics' | 'versions' | CocoStatKey>;

export function buildMetrics(evaluation: CocoBboxEvaluation, ultralytics: UltralyticsDetectionMetrics, facts: RunFacts): MetricsJson {
  const e = evaluation;
  return {
    stats: [...e.stats],
    ...Object.fromEntries(cocoStatKeys.map((key) => [key, e[key]])) as CocoBboxStats,
    perCategory: e.perCategory,
    ultralytics,
    ...facts,
    versions: runtimeVersions(),
  };
}

export function runtimeVersions(): MetricsJson['versions'] {
  return { 'onnxruntime-node': ort.env.versions.node ?? 'unknown', sharp: sharp.versions.sharp, node: process.versions.node };
}

/** fp16.metrics.json -> fp16.detections.json; other.json -> other.detections.json. */
export function detectionsPathFor(metricsPath: string): string {
  const name = basename(metricsPath);
  const stem = name.endsWith('.metrics.json') ? name.slice(0, -'.metrics.json'.length) : name.replace(/\.json$/, '');
  return join(dirname(metricsPath), `${stem}.detections.json`);
}

/** Writes JSON through a temporary file in the same folder and a rename, so readers never see half a file. */
export async function writeJsonAtomically(path: string, value: unknown): Promise<void> {
  await writeFileAtomically(path, `${JSON.stringify(value, null, 1)}\n`);
}
