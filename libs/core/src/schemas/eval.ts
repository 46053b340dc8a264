/**
 * Schemas of the eval stage's JSON: each variant's metrics.json and the stage's eval.json memo.
 * Keys are camelCase (artifact keys, whichever side writes them); request.json files are snake_case, the
 * fields of the Python dataclasses that read them. Objects are loose unless a reader refuses unknown keys.
 */
import { z } from 'zod';
import { letterboxStyles } from '../config/choices.ts';
import { valHeads } from '../config/schema.ts';
import { cocoStatKeys, type CocoStatKey } from '../vocabulary.ts';
import { count } from './count.ts';
import { evalVariants, type EvalVariant } from '../layout.ts';

const latency = z.looseObject({ mean: z.number(), p50: z.number(), p90: z.number(), p99: z.number(), runs: count });

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

/** eval/<variant>.metrics.json, written by the eval stage: the 12 COCO stats in pycocotools' order, and Ultralytics' metric. */
export const metricsJsonSchema = z.looseObject({
  stats: z.array(z.number()).length(cocoStatKeys.length),
  ...(Object.fromEntries(cocoStatKeys.map((key) => [key, z.number()])) as Record<CocoStatKey, z.ZodNumber>),
  images: count,
  latencyMs: latency.nullable(),
  /** The QCDQ file's latency with its weight Q/DQ folded at load time; null for a float file. */
  latencyQdqFoldedMs: latency.nullable().optional(),
  throughput: z
    .looseObject({
      imagesPerSecond: z.number(),
      images: count.optional(),
      batch: count.optional(),
      workers: z.number().int().nonnegative().optional(),
      sessions: count.optional(),
      /** Seconds per evaluator stage, summed over all images (libs/eval/src/stages.ts); decodeOutput: the top-k filter or NMS. */
      stageSeconds: z.looseObject({ decodeOutput: z.number().nonnegative() }).optional(),
    })
    .nullable()
    .optional(),
  providers: z.array(z.string()).optional(),
  /** Which Ultralytics preprocessing the evaluator reproduced. */
  letterbox: z.enum(letterboxStyles).nullable().optional(),
  /** Absent in metrics files written before the eval stage computed it; the eval stage scores such a file again. */
  ultralytics: ultralyticsMetrics.optional(),
  /**
   * Only in the metrics of a trained model's file of the head its training validated: the fidelity check; null when the
   * training recorded no final validation to compare with. Absent in every other metrics file.
   */
  fidelity: fidelitySchema.nullable().optional(),
});

/** eval/eval.json, the eval stage's memo of what each metrics file was computed from. */
const evalMemoEntry = z.looseObject({ key: z.string(), onnxSha256: z.string(), reused: z.boolean() });
/** One memo entry per scored file (a memo from before a variant existed lacks it: that file is scored). */
export const evalJsonSchema = z.looseObject(Object.fromEntries(evalVariants.map((v) => [v, evalMemoEntry.optional()])) as Record<EvalVariant, z.ZodOptional<typeof evalMemoEntry>>);
