/**
 * Schemas of the eval stage's JSON: each variant's metrics.json and the stage's eval.json memo.
 * Keys are camelCase (artifact keys, whichever side writes them); request.json files are snake_case, the
 * fields of the Python dataclasses that read them. Objects are loose unless a reader refuses unknown keys.
 */
import { z } from 'zod';
import { letterboxStyles } from '../config/choices.ts';
import { evalSchema, valHeads } from '../config/schema.ts';
import { cocoStatKeys, type CocoStatKey } from '../vocabulary.ts';
import { count } from './count.ts';
import { evalVariants, type EvalVariant } from '../layout.ts';

/** Latency in milliseconds over `runs` timed session.run calls; percentiles as numpy's default (linear interpolation). */
export const latencySchema = z.looseObject({ mean: z.number(), p50: z.number(), p90: z.number(), p99: z.number(), runs: count });
export type LatencyStats = z.output<typeof latencySchema>;

/**
 * Ultralytics' detection metric on the same detections (libs/eval/src/ultralytics-metric): the four numbers of a
 * training's results.csv, metrics/mAP50-95(B), mAP50(B), precision(B) and recall(B).
 */
export const ultralyticsMetricKeys = ['mAP50_95', 'mAP50', 'precision', 'recall'] as const;
export type UltralyticsMetricKey = (typeof ultralyticsMetricKeys)[number];
const ultralyticsMetrics = z.looseObject(Object.fromEntries(ultralyticsMetricKeys.map((key) => [key, z.number()])) as Record<UltralyticsMetricKey, z.ZodNumber>);

/**
 * Export and eval fidelity (libs/eval/src/fidelity.ts): the ONNX file's mAP50-95 on Ultralytics' metric against the
 * training's own final validation of the same checkpoint and head (run.json finalMetrics), difference = ONNX − training.
 * Beyond the tolerance the eval stage warns, naming both numbers.
 */
export const fidelitySchema = z.looseObject({
  /** The head the training validated (run.json valHead), and so the head of the file compared. */
  head: z.enum(valHeads),
  trainingMap50_95: z.number(),
  onnxMap50_95: z.number(),
  difference: z.number(),
  tolerance: z.number().nonnegative(),
  withinTolerance: z.boolean(),
});
export type Fidelity = z.output<typeof fidelitySchema>;

/**
 * Where an evaluation spends its time, in seconds summed over all images (libs/eval/src/stages.ts). Decoding runs on
 * libuv's thread pool ahead of the thread that infers, overlapping the other stages; decodeWait is what that thread
 * still waited for it (with letterbox workers, for decode and letterbox both). The others run on that thread one after
 * another. With parallel sessions each has such a thread, and the seconds are summed over them. decodeOutput: the top-k
 * filter or NMS.
 */
const stageSecondsShape = {
  decodeWait: z.number().nonnegative(),
  letterbox: z.number().nonnegative(),
  inference: z.number().nonnegative(),
  decodeOutput: z.number().nonnegative(),
  metric: z.number().nonnegative(),
};
export const stageSecondsSchema = z.looseObject(stageSecondsShape);
/** Its type without the loose object's index signature, so that its keys can be walked (libs/eval/src/stages.ts). */
export type StageSeconds = z.output<z.ZodObject<typeof stageSecondsShape>>;

/** One ground-truth category's scores (pycocotools' per-category AP), by ascending category id. */
export const categoryApSchema = z.looseObject({
  categoryId: z.number().int(),
  name: z.string(),
  /** AP at IoU .50:.95, area all, maxDets 100; -1 when the category has no non-crowd ground truth. */
  ap: z.number(),
  /** AP at IoU .50, area all, maxDets 100; -1 as above. */
  ap50: z.number(),
  /** Non-crowd ground-truth boxes of this category (the ones recall is measured against). */
  gtCount: count,
});
export type CategoryAp = z.output<typeof categoryApSchema>;

/** The onnxruntime session settings the evaluator chose (conf/eval.yaml's session); intraOpThreads 0: onnxruntime's choice. */
export const sessionSettingsSchema = evalSchema.shape.session;
export type SessionSettings = z.output<typeof sessionSettingsSchema>;

/** Whole pipeline (read, decode, letterbox, inference, decoding); null when scoring a results file. */
const throughput = z.looseObject({
  images: count,
  seconds: z.number().nonnegative(),
  imagesPerSecond: z.number(),
  /** Images per session.run. */
  batch: count,
  /** Letterbox worker threads (0: letterboxing on the main thread). */
  workers: count,
  /** onnxruntime sessions that evaluated at once, each in its own worker thread (1: the main thread's). */
  sessions: count,
  /** Each one's intra-op threads (0: onnxruntime's choice; libs/eval/src/session.ts threadsPerSession). */
  intraOpThreadsPerSession: count,
  /** Where the time went (with letterbox workers, decode includes their letterboxing). */
  stageSeconds: stageSecondsSchema,
});

/**
 * eval/<variant>.metrics.json as the evaluator writes it (libs/eval/src/metrics.ts, for the eval stage and its CLI): the
 * 12 COCO stats in pycocotools' order and by name (vocabulary.ts), Ultralytics' metric on the same detections, and
 * what they were computed from. Every key is written; `fidelity` only by the eval stage (see below).
 */
const metricsShape = {
  /** pycocotools' COCOeval.stats order, vocabulary.ts's cocoStatKeys. */
  stats: z.array(z.number()).length(cocoStatKeys.length),
  ...(Object.fromEntries(cocoStatKeys.map((key) => [key, z.number()])) as Record<CocoStatKey, z.ZodNumber>),
  /** One entry per ground-truth category, by ascending category id. */
  perCategory: z.array(categoryApSchema),
  /** Ultralytics' metric on the same detections and non-crowd ground truth: what a training's results.csv reports. */
  ultralytics: ultralyticsMetrics,
  /**
   * session.run wall time, batch 1, after warm-up, of the file as stored: for a QCDQ file onnxruntime's CPU provider
   * then re-runs every weight's Q -> Clip -> DQ at every inference. Null with --skip-latency or when scoring a results file.
   */
  latencyMs: latencySchema.nullable(),
  /** The same with the weight Q/DQ folded into float weights at load time (session.disable_quant_qdq); null for a float file. */
  latencyQdqFoldedMs: latencySchema.nullable(),
  throughput: throughput.nullable(),
  images: count,
  imgsz: count.nullable(),
  /** Which Ultralytics preprocessing the evaluator reproduced; null when scoring a results file. */
  letterbox: z.enum(letterboxStyles).nullable(),
  /** onnxruntime settings as configured, the latency session's; throughput says what parallel sessions used. */
  session: sessionSettingsSchema.nullable(),
  conf: z.number().nullable(),
  /** The model's output: YOLOv10's end-to-end rows, or the raw head the evaluator runs NMS on (libs/eval/src/model-io.ts). */
  headForm: z.enum(['end2end', 'raw']).nullable(),
  detections: count,
  /**
   * Model detections of classes the ground truth has no category for (a dataset with fewer than 80 classes):
   * left out of scoring, as pycocotools leaves them out (it evaluates the ground truth's categories only).
   */
  detectionsOutsideGtCategories: count,
  providers: z.array(z.string()),
  onnx: z.looseObject({ path: z.string(), sha256: z.string(), sizeBytes: count }).nullable(),
  annotations: z.looseObject({ path: z.string(), sha256: z.string() }),
  /** The COCO results file scored: written beside the metrics (relative name) or the one given to --detections. */
  detectionsFile: z.string().nullable(),
  versions: z.looseObject({ 'onnxruntime-node': z.string(), sharp: z.string(), node: z.string() }),
  /**
   * Only in the metrics of a trained model's file of the head its training validated: the fidelity check; null when the
   * training recorded no final validation to compare with. Absent in every other metrics file.
   */
  fidelity: fidelitySchema.nullable().optional(),
};
/** A metrics file as the evaluator writes it (the type has no index signature, so it can be picked apart). */
export type MetricsJson = z.output<z.ZodObject<typeof metricsShape>>;
/** Every key of it, checked: what the evaluator writes (libs/eval/src/evaluate-onnx.test.ts parses a file it wrote). */
export const writtenMetricsSchema = z.looseObject(metricsShape);

/**
 * eval/<variant>.metrics.json as its readers take it (the eval stage's reuse, the summary): the scores, the image count
 * and the latency are required, and any other key, when present, is as written. A file from before the evaluator wrote
 * a key lacks it: the eval stage scores a file without `ultralytics` again, and the summary shows '—' for it.
 */
export const metricsJsonSchema = writtenMetricsSchema
  .partial()
  .required({ stats: true, images: true, latencyMs: true, ...(Object.fromEntries(cocoStatKeys.map((key) => [key, true])) as Record<CocoStatKey, true>) });

/** eval/eval.json, the eval stage's memo of what each metrics file was computed from. */
const evalMemoEntry = z.looseObject({ key: z.string(), onnxSha256: z.string(), reused: z.boolean() });
export type EvalMemoEntry = z.output<typeof evalMemoEntry>;
/** One memo entry per scored file (a memo from before a variant existed lacks it: that file is scored). */
export const evalJsonSchema = z.looseObject(Object.fromEntries(evalVariants.map((v) => [v, evalMemoEntry.optional()])) as Record<EvalVariant, z.ZodOptional<typeof evalMemoEntry>>);
