import { performance } from 'node:perf_hooks';
import type { CocoResult } from './coco/index.ts';
import type { EvalImage } from './dataset.ts';
import { decodeImageRgb } from '../../core/src/images/decode-image.ts';
import { decodeEndToEnd, decodeRawHead, VAL_NMS, type Detection } from './decode-output.ts';
import { toCocoResults } from './detections.ts';
import type { Inference } from './inference.ts';
import { letterbox, type LetterboxedImage, type LetterboxStyle } from '../../core/src/images/letterbox.ts';
import type { LetterboxPool } from './letterbox-pool.ts';
import { checkRuntimeOutput, type ModelIo } from './model-io.ts';
import { prefetchInOrder } from './prefetch.ts';
import type { RawImage } from '../../core/src/images/resize-linear.ts';
import { emptyStageSeconds, type StageSeconds } from './stages.ts';

/** What turns images into COCO results, the same on the main thread and in a session worker (structured-cloneable). */
export interface PassSettings {
  readonly onnxPath: string;
  readonly imgsz: number;
  readonly style: LetterboxStyle;
  /** Largest batch; the last one may be smaller. */
  readonly batch: number;
  /** Images decoded ahead of inference. */
  readonly prefetch: number;
  readonly conf: number;
  readonly classMap: readonly number[];
}

export interface IndexedBatch {
  /** Position of this batch among all of the evaluation's batches (results are put back in this order). */
  readonly index: number;
  readonly images: readonly EvalImage[];
}

/** Consecutive images in batches of `size`, the last one possibly smaller. */
export function splitIntoBatches(images: readonly EvalImage[], size: number): IndexedBatch[] {
  const batches: IndexedBatch[] = [];
  for (let i = 0; i < images.length; i += size) batches.push({ index: batches.length, images: images.slice(i, i + size) });
  return batches;
}

/**
 * Decodes, letterboxes, infers and decodes the output of each batch in turn, handing each batch's results to
 * `onBatch`; returns the seconds spent per stage. With a letterbox pool, whole input tensors come back from its
 * workers and are copied in; without, only the decode runs ahead (on libuv's pool) and letterboxing writes straight
 * into the batch buffer.
 */
export async function runBatches(
  batches: readonly IndexedBatch[],
  infer: Inference,
  io: ModelIo,
  settings: PassSettings,
  onBatch: (batch: IndexedBatch, results: CocoResult[]) => void,
  pool: LetterboxPool | null = null,
): Promise<StageSeconds> {
  const { imgsz, style, conf, classMap, onnxPath } = settings;
  const stages = emptyStageSeconds();
  const since = (t0: number): number => (performance.now() - t0) / 1000;
  const prepare = async (image: EvalImage): Promise<RawImage | LetterboxedImage> => (pool ? pool.prepare(image.path) : decodeImageRgb(image.path));
  const images = batches.flatMap((b) => b.images);
  const source = prefetchInOrder(images, Math.max(settings.prefetch, settings.batch), prepare);
  const volume = 3 * imgsz * imgsz;
  const batchInput = new Float32Array(Math.max(1, ...batches.map((b) => b.images.length)) * volume);
  for (const batch of batches) {
    const n = batch.images.length;
    const inverses: LetterboxedImage['inverse'][] = [];
    for (let k = 0; k < n; k++) {
      const t0 = performance.now();
      const next = await source.next();
      stages.decodeWait += since(t0);
      if (next.done) throw new Error('runBatches: the image source ended early');
      const ready = next.value;
      const t1 = performance.now();
      const slot = batchInput.subarray(k * volume, (k + 1) * volume);
      if ('tensor' in ready) {
        slot.set(ready.tensor);
        inverses.push(ready.inverse);
      } else {
        inverses.push(letterbox(ready, imgsz, style, slot).inverse);
      }
      stages.letterbox += since(t1);
    }
    const t2 = performance.now();
    const output = await infer(batchInput.subarray(0, n * volume), n);
    stages.inference += since(t2);
    const t3 = performance.now();
    checkRuntimeOutput(io.output, output.dims, onnxPath, n);
    const perImage = output.data.length / n;
    const results: CocoResult[] = [];
    batch.images.forEach((image, k) => {
      const detections = decodeDetections(output.data.subarray(k * perImage, (k + 1) * perImage), io, conf, output.dims);
      for (const r of toCocoResults(detections, image.id, inverses[k]!, classMap, onnxPath)) results.push(r);
    });
    stages.decodeOutput += since(t3);
    onBatch(batch, results);
  }
  return stages;
}

/** One image's slice of a checked batch output ([batch, rows, 6] or [batch, 4 + nc, anchors]). */
function decodeDetections(data: Float32Array, io: ModelIo, conf: number, dims: readonly number[]): Detection[] {
  if (io.output.kind === 'end2end') return decodeEndToEnd(data, conf, VAL_NMS.maxDet);
  return decodeRawHead(data, io.output.numClasses, dims[2]!, { ...VAL_NMS, conf });
}
