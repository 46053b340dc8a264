import type { z } from 'zod';
import { canonicalJson, sha256Text } from '../../core/src/hashing.ts';
import type { trainRequestSchema } from '../../core/src/schemas/training.ts';
import { devicePattern, deviceExpectation, type QatConfig, type ResourcesConfig, type TrainConfig, type WatchConfig } from '../../core/src/config/schema.ts';
import { UserError } from '../../core/src/errors.ts';
import { type Variant } from '../../core/src/variants.ts';

/** The JSON handed to `python -m yolo_py.train` (yolo_py/request.py reads exactly these keys). */
export type TrainRequest = z.output<typeof trainRequestSchema>;

export interface RequestInputs {
  variant: Variant;
  train: TrainConfig;
  qat: QatConfig | null;
  resources: ResourcesConfig;
  watch: WatchConfig;
  hyps: Record<string, number>;
  dataYaml: string;
  saveDir: string;
  env?: NodeJS.ProcessEnv;
}

/**
 * Device for a variant: FP16_DEVICE / QAT_DEVICE, then TRAIN_DEVICE, then conf/resources.yaml's per-variant
 * entry, then its `device`. Devices never enter the recipe digest: moving a run to another GPU resumes it.
 */
export function resolveDevice(variant: Variant, resources: ResourcesConfig, env: NodeJS.ProcessEnv = process.env): string {
  const perVariantName = variant === 'fp16' ? 'FP16_DEVICE' : 'QAT_DEVICE';
  for (const name of [perVariantName, 'TRAIN_DEVICE']) {
    const value = env[name];
    if (value === undefined || value === '') continue;
    if (!devicePattern.test(value)) throw new UserError(`${deviceExpectation}, got ${JSON.stringify(value)}`, name);
    return value;
  }
  return (variant === 'fp16' ? resources.fp16Device : resources.qatDevice) || resources.device;
}

export function buildTrainRequest(inputs: RequestInputs): TrainRequest {
  const { train, qat, resources, variant } = inputs;
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
    epochs: train.epochs,
    batch: train.batch,
    imgsz: train.imgsz,
    seed: train.seed,
    optimizer: train.optimizer,
    amp: train.amp,
    close_mosaic: train.closeMosaic,
    save_period: train.savePeriod,
    device: resolveDevice(variant, resources, env),
    workers,
    cuda_graphs: resources.cudaGraphs,
    hyps: inputs.hyps,
    qat:
      variant === 'qat' && qat
        ? { weight_bit_width: qat.weightBitWidth, per_channel: qat.perChannel, narrow_range: qat.narrowRange, keep_float: qat.keepFloat }
        : null,
    resume_from: null,
    time_hours: null,
    // The collapse watch is about 4-bit training; an FP16 run's curves are read against it in summary.md.
    collapse_watch:
      variant === 'qat'
        ? { drop_fraction: inputs.watch.collapse.dropFraction, epochs: inputs.watch.collapse.epochs, min_best: inputs.watch.collapse.minBestMap }
        : null,
  };
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
