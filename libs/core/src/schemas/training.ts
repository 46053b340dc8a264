/**
 * Schemas of the training stages' JSON: the request TypeScript writes and yolo_py.train reads, the
 * progress.json yolo_py keeps across sessions, and the run.json it leaves for the summary.
 * Keys are camelCase (artifact keys, whichever side writes them); request.json files are snake_case, the
 * fields of the Python dataclasses that read them. Objects are loose unless a reader refuses unknown keys.
 */
import { z } from 'zod';
import { trainingEventKinds } from '../training-events.ts';
import { variants } from '../variants.ts';
import { count } from './count.ts';
import { qatSettingsRequestSchema } from './qat-settings.ts';
import { valHeads } from '../config/schema.ts';

const sha256 = z.string().regex(/^[0-9a-f]{64}$/, 'expected a sha256 hex digest');

/** A training request's distillation: conf/qat.yaml's `distill` and the teacher file it names (request.ts). */
export const distillRequestSchema = z.strictObject({ teacher: z.string(), teacher_sha256: sha256, weight: z.number().gt(0), temperature: z.number().gt(0) });

/**
 * <in-progress>/<variant>.request.json and <variant>/request.json: yolo_py/request.py's TrainRequest, key for key.
 * Every key is required: the stage writes them all, and so does a hand-written request (tools/bench, tools/parity).
 */
export const trainRequestSchema = z.strictObject({
  variant: z.enum(variants),
  model: z.string(),
  data: z.string(),
  save_dir: z.string(),
  epochs: count,
  batch: z.number().int(),
  imgsz: count,
  seed: z.number().int(),
  optimizer: z.string(),
  amp: z.boolean(),
  close_mosaic: count,
  save_period: z.number().int(),
  device: z.string(),
  workers: count,
  cuda_graphs: z.boolean(),
  hyps: z.record(z.string(), z.number()),
  qat: qatSettingsRequestSchema.nullable(),
  resume_from: z.string().nullable(),
  val_head: z.enum(valHeads),
  collapse_watch: z.strictObject({ drop_fraction: z.number().gt(0).lt(1), epochs: count, min_best: z.number().min(0).lt(1) }).nullable(),
  /** Distillation from the FP16 teacher (yolo_py/distill.py), the QAT variants only: the teacher's best.pt and its sha256, weight, temperature. */
  distill: distillRequestSchema.nullable(),
  /**
   * The qat-ft variant's start (null for the others): the FP16 checkpoint whose EMA weights are quantized and fine-tuned
   * (init_from), its sha256 (so a new FP16 model changes the resume digest), and lr0's factor (conf/qat.yaml
   * fineTune.lrScale).
   */
  fine_tune: z.strictObject({ init_from: z.string(), init_sha256: sha256, lr_scale: z.number().gt(0).max(1) }).nullable(),
});

/** One event of a training (its kinds: training-events.ts), in the order they happened. Older runs have no `events`: readers treat it as []. */
export const trainingEventSchema = z.looseObject({
  /** The 1-based epoch it happened in or after; 0: before the first epoch. */
  epoch: count,
  kind: z.enum(trainingEventKinds),
  message: z.string(),
});
export type TrainingEvent = z.output<typeof trainingEventSchema>;
const trainingEvents = z.array(trainingEventSchema).optional();

/** <in-progress>/<variant>/progress.json, written by yolo_py.progress after every epoch, read back on resume and for run.json. */
export const progressJsonSchema = z.looseObject({
  trainSeconds: z.number().nonnegative(),
  imagesSeen: count,
  wallSeconds: z.number().nonnegative(),
  sessions: count,
  epochSeconds: z.array(z.number()),
  /** Seconds outside the training loop over all sessions: per-epoch validation and checkpoint writes. Absent in runs begun before they were measured. */
  validationSeconds: z.number().nonnegative().optional(),
  checkpointSeconds: z.number().nonnegative().optional(),
  epochsCompleted: count,
  amp: z.boolean(),
  batch: z.number().int(),
  worldSize: count,
  deviceName: z.string(),
  parameters: count,
  quantization: z.looseObject({ quantizedConvs: count, floatConvNames: z.array(z.string()) }).nullable(),
  peakGpuMemoryGiB: z.number().nullable(),
  events: trainingEvents,
});

/** <variant>/run.json, written by yolo_py.train from progress.json and the request. */
export const runJsonSchema = z.looseObject({
  model: z.string(),
  imgsz: count,
  epochs: count,
  epochsCompleted: count,
  /** The batch actually trained: smaller than batchRequested after an out-of-memory halving (a batchReduced event). */
  batch: z.number().int(),
  /** The request's batch; absent from runs written before it was recorded. */
  batchRequested: z.number().int().optional(),
  device: z.string(),
  deviceName: z.string(),
  worldSize: count,
  amp: z.boolean(),
  parameters: count,
  quantization: z.looseObject({ quantizedConvs: count, floatConvNames: z.array(z.string()) }).nullable(),
  wallSeconds: z.number(),
  trainSeconds: z.number(),
  /** Outside the training loop (progress.json's): per-epoch validation and checkpoint writes; absent in older runs. */
  validationSeconds: z.number().optional(),
  checkpointSeconds: z.number().optional(),
  imagesPerSecond: z.number().nullable(),
  peakGpuMemoryGiB: z.number().nullable(),
  sessions: count,
  valHead: z.enum(valHeads).optional(), // runs trained before the setting validated the one-to-many head
  /**
   * Ultralytics' final validation of best.pt (on valHead's head, rect batches at imgsz, half precision under AMP on
   * CUDA), Ultralytics' result keys as they are (finalValidationMapKey); null when the run never reached it.
   */
  finalMetrics: z.record(z.string(), z.number()).nullable().optional(),
  versions: z.record(z.string(), z.string().nullable()),
  events: trainingEvents,
  /** The distillation the run trained with (the request's, camelCase); null without, absent in runs written before it existed. */
  distill: z.looseObject({ teacher: z.string(), teacherSha256: sha256, weight: z.number(), temperature: z.number() }).nullable().optional(),
  /** The fine-tune's start (the request's fine_tune, camelCase: the FP16 checkpoint, its sha256, lr0's factor); null for the other variants, absent in runs written before it existed. */
  fineTune: z.looseObject({ initFrom: z.string(), initSha256: sha256, lrScale: z.number() }).nullable().optional(),
});

/** run.json finalMetrics' mAP50-95: Ultralytics' own key, as results.csv spells it. */
export const finalValidationMapKey = 'metrics/mAP50-95(B)';

