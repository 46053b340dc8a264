import { z } from 'zod';
import { UserError } from '../errors.ts';
import { executionModes, executionProviders, graphOptimizationLevels, letterboxStyles } from './choices.ts';

/**
 * The one schema for everything in conf/. Each section is its own file so that each stage's Nx inputs can
 * name exactly the files it reads: an edit to conf/eval.yaml reruns eval and summary, nothing upstream.
 */
/**
 * The profiles the experiment knows: the one list. Stage CLIs, the Nx configurations (tools/nx-stage adds one
 * per profile to every stage target) and the check of `-c` all read it, so a new profile is added here only.
 * demo: the default, minutes on a CPU; coco: the real experiment; ci: a seconds-sized smoke run for the
 * whole-pipeline tests in test/.
 */
export const knownProfiles = ['demo', 'gpu', 'coco', 'ci'] as const;
export type Profile = (typeof knownProfiles)[number];
export const defaultProfile: Profile = 'demo';

/**
 * The one check of a profile name, made once at each place one enters: the Nx command line's configuration
 * (nx-configurations.ts), the stage executor's option (stage-launch.ts), a stage's --profile or PROFILE (stage-args.ts),
 * a conf file's profiles key (load.ts). `where` names that place; past it the name is a Profile.
 */
export function parseProfile(name: string, where: string): Profile {
  if (!(knownProfiles as readonly string[]).includes(name)) throw new UserError(`unknown profile '${name}': expected one of ${knownProfiles.join(', ')}`, where);
  return name as Profile;
}

const positiveInt = z.number().int().min(1);
/**
 * A training device: where a run trains, never what it trains (not part of any hash). yolo_py.train resolves
 * `auto` (GPU 0 when CUDA is present, else the CPU) and `cuda` (GPU 0; no CUDA GPU fails before any training).
 */
export const devicePattern = /^(auto|cuda|cpu|mps|\d+(,\d+)*)$/;
export const deviceExpectation = 'expected "auto", "cuda", "cpu", "mps", a GPU index like "0" or a list like "0,1"';
const deviceString = z.string().regex(devicePattern, deviceExpectation);

export const datasetSchema = z.strictObject({
  source: z.enum(['synthetic', 'coco']),
  cocoRoot: z.string().min(1).nullable(),
  synthetic: z
    .strictObject({
      seed: z.number().int(),
      trainImages: positiveInt,
      valImages: positiveInt,
      minSide: z.number().int().min(64),
      maxSide: z.number().int().min(64),
    })
    // Checked here, with the others, so the message names the file and the key as written (profiles.ci...).
    .refine((s) => s.minSide <= s.maxSide, { path: ['minSide'], message: 'expected at most synthetic.maxSide' }),
});

/**
 * The detection head a training validates (results.csv, TensorBoard, best.pt's fitness, final metrics):
 * one2one: YOLOv10's NMS-free one-to-one head, the one the export stage ships and eval scores;
 * one2many-nms: the one-to-many head with NMS (what Ultralytics' training validation runs when `nms` is unset).
 */
export const valHeads = ['one2one', 'one2many-nms'] as const;
export type ValHead = (typeof valHeads)[number];

export const trainSchema = z.strictObject({
  model: z.string().regex(/^yolov10[nsmblx]\.yaml$/, 'expected an Ultralytics YOLOv10 model YAML such as yolov10m.yaml'),
  imgsz: z.number().int().min(32).multipleOf(32),
  epochs: positiveInt,
  batch: positiveInt,
  savePeriod: positiveInt,
  seed: z.number().int().min(0),
  optimizer: z.literal('SGD'),
  amp: z.boolean(),
  closeMosaic: z.number().int().min(0),
  valHead: z.enum(valHeads),
});

/** The signed integer widths the QAT quantizer takes, here and in every request (schemas/qat-settings.ts). */
export const weightBitWidth = z.number().int().min(2).max(8);

export const qatSchema = z.strictObject({
  weightBitWidth,
  perChannel: z.boolean(),
  narrowRange: z.boolean(),
  keepFloat: z.array(z.string().min(1)),
  /**
   * Per-layer bit widths over weightBitWidth: fnmatch patterns over module names; the first matching entry wins,
   * keepFloat wins over all, and an entry that sets no conv fails the run (yolo_py/quant/plan.py).
   */
  layers: z.array(z.strictObject({ pattern: z.string().min(1), bits: weightBitWidth })),
  /**
   * Distillation from the FP16 teacher (train-fp16's best.pt) for the QAT trainings, train-qat and train-qat-ft; null:
   * off (yolo_py/distill.py): `weight` of the term in the loss, `temperature` softening the teacher's and the student's
   * class scores and box distributions alike. On in any profile, train-qat depends on train-fp16 in the graph
   * (distill-graph.ts); train-qat-ft always does (it starts from that file).
   */
  distill: z.strictObject({ weight: z.number().gt(0), temperature: z.number().gt(0) }).nullable(),
});

/**
 * train-qat-ft's schedule: epochs, and lr0's factor (warmup off), of the QAT fine-tune of train-fp16's best.pt. A file
 * of its own because Nx hashes conf files whole: in qat.yaml, a fine-tune edit retrained the 500-epoch train-qat.
 */
export const finetuneSchema = z.strictObject({ epochs: positiveInt, lrScale: z.number().gt(0).max(1) });

export const exportSchema = z.strictObject({
  opset: z.number().int().min(13).max(21),
  /**
   * BatchNorm re-estimation of the QAT models before export (yolo_py/export/bn_reestimation.py): the running statistics
   * recomputed on `images` train images (spread evenly over the sorted names, letterboxed as preprocess.yaml says) in
   * batches of train.yaml's batch; null: off, the checkpoint's statistics are exported.
   */
  bnReestimation: z.strictObject({ images: positiveInt }).nullable(),
});

export const evalSchema = z.strictObject({
  maxImages: positiveInt.nullable(),
  providers: z.array(z.enum(executionProviders)).min(1),
  disableCpuFallback: z.boolean(),
  warmupRuns: z.number().int().min(0),
  skipLatency: z.boolean(),
  latencyRuns: positiveInt,
  conf: z.number().min(0).max(1),
  /** Images per onnxruntime run; latency is always measured at batch 1. */
  batch: positiveInt,
  /** onnxruntime sessions evaluating at once, each in its own worker thread: 'auto' by cores and providers (libs/eval/src/session.ts sessionCount). */
  sessions: z.union([z.literal('auto'), positiveInt]),
  /** onnxruntime session settings (chosen by tools/bench/eval/session-options.ts); intraOpThreads 0: onnxruntime's choice. */
  session: z.strictObject({
    intraOpThreads: z.number().int().min(0),
    graphOptimizationLevel: z.enum(graphOptimizationLevels),
    executionMode: z.enum(executionModes),
  }),
  /** Images decoded ahead of inference (at least a batch is); throughput only (docs/benchmarks.md). */
  prefetch: positiveInt,
  /**
   * Worker threads that decode and letterbox for a single session (0: on its own thread). On 2 cores they only compete
   * with onnxruntime (docs/benchmarks.md); several sessions each decode and letterbox their own images instead.
   */
  letterboxWorkers: z.number().int().min(0),
})
  // Checked here, with the others, so the message names the file and the key as written.
  .refine((s) => s.letterboxWorkers === 0 || s.sessions === 'auto' || s.sessions === 1, {
    path: ['letterboxWorkers'],
    message: 'letterbox workers serve a single session (sessions 1 or auto); with more, each session decodes and letterboxes its own images',
  });

/**
 * How images become the model's input, for scoring (eval) and for the W8A8 calibration (ptq-w8a8) alike. A file of
 * its own so that ptq-w8a8 reads only this of the eval settings: an eval edit (threads, batch, providers...) never
 * recalibrates.
 */
export const preprocessSchema = z.strictObject({
  letterbox: z.enum(letterboxStyles),
});

/** onnxruntime.quantization's calibrators (yolo_py/ptq/w8a8.py's CALIBRATORS): MinMax, Entropy (KL) and Percentile over 2048-bin histograms. */
export const calibrationMethods = ['minmax', 'entropy', 'percentile'] as const;

/** The W8A8 post-training quantization (ptq-w8a8 stage): its calibration set and method. */
export const ptqSchema = z.strictObject({
  /** train2017 images calibrated on (fewer when the train split is smaller: the demo's). */
  calibrationImages: positiveInt,
  calibrationMethod: z.enum(calibrationMethods),
});

export const resourcesSchema = z.strictObject({
  device: deviceString,
  fp16Device: deviceString.nullable(),
  qatDevice: deviceString.nullable(),
  workers: z.number().int().min(0),
  /** Replay the model's training forward and backward as CUDA graphs (single GPU; yolo_py/cuda_graph.py). */
  cudaGraphs: z.boolean(),
});

/**
 * What the trainer warns about while it trains (never an Nx input, like resources): the 4-bit collapse watch
 * (yolo_py/collapse_watch.py) warns when validation mAP50-95 stays more than `dropFraction` below its best for
 * `epochs` epochs in a row, once the best has reached `minBestMap`.
 */
export const watchSchema = z.strictObject({
  collapse: z.strictObject({
    dropFraction: z.number().gt(0).lt(1),
    epochs: positiveInt,
    minBestMap: z.number().min(0).lt(1),
  }),
});

/** Section name -> schema; the file is conf/<section>.yaml. */
export const sectionSchemas = {
  dataset: datasetSchema,
  train: trainSchema,
  qat: qatSchema,
  finetune: finetuneSchema,
  export: exportSchema,
  eval: evalSchema,
  preprocess: preprocessSchema,
  ptq: ptqSchema,
  resources: resourcesSchema,
  watch: watchSchema,
} as const;

export type SectionName = keyof typeof sectionSchemas;
export type SectionConfig<S extends SectionName> = z.infer<(typeof sectionSchemas)[S]>;
export type DatasetConfig = SectionConfig<'dataset'>;
export type TrainConfig = SectionConfig<'train'>;
export type QatConfig = SectionConfig<'qat'>;
export type FinetuneConfig = SectionConfig<'finetune'>;
export type ResourcesConfig = SectionConfig<'resources'>;
export type WatchConfig = SectionConfig<'watch'>;
