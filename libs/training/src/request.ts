import type { z } from 'zod';
import { canonicalJson, sha256Text } from '../../core/src/hashing.ts';
import { qatSettingsRequest } from '../../core/src/schemas/qat-settings.ts';
import type { distillRequestSchema, trainRequestSchema } from '../../core/src/schemas/training.ts';
import { devicePattern, deviceExpectation, type FinetuneConfig, type QatConfig, type ResourcesConfig, type TrainConfig, type WatchConfig } from '../../core/src/config/schema.ts';
import { UserError } from '../../core/src/errors.ts';
import { fineTuneVariant, isQuantized, type Variant } from '../../core/src/variants.ts';

/** The JSON handed to `python -m yolo_py.train` (yolo_py/request.py reads exactly these keys). */
export type TrainRequest = z.output<typeof trainRequestSchema>;

/**
 * train-fp16's best.pt and its sha256, as a request pins it (teacher.ts pinFp16Best): the distillation teacher of a QAT
 * training, and the checkpoint the fine-tune starts from.
 */
export interface Fp16Checkpoint {
  path: string;
  sha256: string;
}

export interface RequestInputs {
  variant: Variant;
  train: TrainConfig;
  qat: QatConfig | null;
  /** Required exactly when the QAT settings distill. */
  teacher?: Fp16Checkpoint | null;
  resources: ResourcesConfig;
  watch: WatchConfig;
  hyps: Record<string, number>;
  dataYaml: string;
  saveDir: string;
  /** Required for qat-ft only: the FP16 checkpoint it starts from and that file's sha256 (run-training.ts fineTuneStart). */
  initFrom?: Fp16Checkpoint | null;
  /** Required for qat-ft only: its schedule, conf/finetune.yaml. */
  finetune?: FinetuneConfig | null;
  env?: NodeJS.ProcessEnv;
}

/** The environment variables that override conf/resources.yaml's devices (one for both variants, one per variant) and its keys. */
const trainDeviceEnv = 'TRAIN_DEVICE';
const perVariantDevice = {
  fp16: { env: 'FP16_DEVICE', key: 'fp16Device' },
  qat: { env: 'QAT_DEVICE', key: 'qatDevice' },
  // The QAT trainings share resources.yaml's qatDevice; the variable lets the two run at once on different GPUs.
  'qat-ft': { env: 'QAT_FT_DEVICE', key: 'qatDevice' },
} as const satisfies Record<Variant, { env: string; key: keyof ResourcesConfig }>;

/** Where a variant's device was set: an environment variable, or a key of conf/resources.yaml. */
export type DeviceSource = { env: string } | { confKey: 'device' | (typeof perVariantDevice)[Variant]['key'] };

/**
 * Device for a variant and where it was set: FP16_DEVICE / QAT_DEVICE / QAT_FT_DEVICE, then TRAIN_DEVICE, then conf/resources.yaml's
 * per-variant entry, then its `device`. Devices never enter the recipe digest: moving a run to another GPU resumes it.
 */
export function chooseDevice(variant: Variant, resources: ResourcesConfig, env: NodeJS.ProcessEnv = process.env): { device: string; source: DeviceSource } {
  const perVariant = perVariantDevice[variant];
  for (const name of [perVariant.env, trainDeviceEnv]) {
    const value = env[name];
    if (value === undefined || value === '') continue;
    if (!devicePattern.test(value)) throw new UserError(`${deviceExpectation}, got ${JSON.stringify(value)}`, name);
    return { device: value, source: { env: name } };
  }
  const perVariantValue = resources[perVariant.key];
  if (perVariantValue) return { device: perVariantValue, source: { confKey: perVariant.key } };
  return { device: resources.device, source: { confKey: 'device' } };
}

/** The device alone: what the training request carries. */
export function resolveDevice(variant: Variant, resources: ResourcesConfig, env: NodeJS.ProcessEnv = process.env): string {
  return chooseDevice(variant, resources, env).device;
}

/** The request's distillation: conf/qat.yaml's `distill` with the teacher file; null when the QAT settings do not distill. */
function distillRequest(variant: Variant, qat: QatConfig | null, teacher: Fp16Checkpoint | null): z.output<typeof distillRequestSchema> | null {
  const distill = isQuantized(variant) ? (qat?.distill ?? null) : null;
  if (distill === null) return null;
  if (!teacher) throw new Error('a distilling QAT request needs the FP16 teacher (teacher.ts resolveTeacher)');
  return { teacher: teacher.path, teacher_sha256: teacher.sha256, weight: distill.weight, temperature: distill.temperature };
}

export function buildTrainRequest(inputs: RequestInputs): TrainRequest {
  const { train, qat, resources, variant } = inputs;
  if (isQuantized(variant) && !qat) throw new Error(`the ${variant} request needs conf/qat.yaml's settings`);
  const fineTune = variant === fineTuneVariant ? fineTuneRequest(inputs.finetune ?? null, inputs.initFrom) : null;
  const env = inputs.env ?? process.env;
  const workers = env.TRAIN_WORKERS === undefined || env.TRAIN_WORKERS === '' ? resources.workers : Number(env.TRAIN_WORKERS);
  if (!Number.isInteger(workers) || workers < 0) {
    throw new UserError(`expected a whole number of dataloader workers >= 0, got ${JSON.stringify(env.TRAIN_WORKERS)}`, 'TRAIN_WORKERS');
  }
  return {
    variant,
    model: train.model,
    data: inputs.dataYaml,
    save_dir: inputs.saveDir,
    epochs: fineTune ? inputs.finetune!.epochs : train.epochs,
    batch: train.batch,
    imgsz: train.imgsz,
    seed: train.seed,
    optimizer: train.optimizer,
    amp: train.amp,
    close_mosaic: train.closeMosaic,
    val_head: train.valHead,
    save_period: train.savePeriod,
    device: resolveDevice(variant, resources, env),
    workers,
    cuda_graphs: resources.cudaGraphs,
    hyps: inputs.hyps,
    qat: isQuantized(variant) ? qatSettingsRequest(qat!) : null,
    distill: distillRequest(variant, qat, inputs.teacher ?? null),
    fine_tune: fineTune,
    resume_from: null,
    // The collapse watch is about 4-bit training; an FP16 run's curves are read against it in summary.md.
    collapse_watch:
      isQuantized(variant)
        ? { drop_fraction: inputs.watch.collapse.dropFraction, epochs: inputs.watch.collapse.epochs, min_best: inputs.watch.collapse.minBestMap }
        : null,
  };
}

/** The fine-tune's part of its request: where it starts (the file and its sha256, part of the recipe digest) and lr0's factor. */
function fineTuneRequest(finetune: FinetuneConfig | null, initFrom: RequestInputs['initFrom']): NonNullable<TrainRequest['fine_tune']> {
  if (!initFrom) throw new Error('the qat-ft request needs the FP16 checkpoint it starts from');
  if (!finetune) throw new Error("the qat-ft request needs conf/finetune.yaml's schedule");
  return { init_from: initFrom.path, init_sha256: initFrom.sha256, lr_scale: finetune.lrScale };
}

/**
 * What decides the trained weights: everything but where and how it runs (device, workers, CUDA graphs), what it warns
 * about (the collapse watch), where it writes and whether it resumes. An in-progress run is resumed only when its digest
 * equals the new request's.
 */
export function recipeDigest(request: TrainRequest): string {
  const { device: _device, workers: _workers, cuda_graphs: _graphs, save_dir: _saveDir, resume_from: _resume, collapse_watch: _watch, ...recipe } =
    request;
  return sha256Text(canonicalJson(recipe));
}
