import { UserError } from '../../core/src/errors.ts';

/**
 * The packed INT4 file holds the QCDQ file's very integer codes and scales (export/int4_pack.py), so its 12 COCO
 * stats must equal the QCDQ file's: anything else is a packing bug, and the run fails. ONNX Runtime dequantizes
 * INT4 on another path than int8 (scores differ by ~1e-7, docs/quantization.md), which can swap detections of
 * equal score; the tolerance absorbs that and stays ten times below the 0.001 the summary prints.
 */
export const packedStatsTolerance = 1e-4;
export function checkPackedEqualsQcdq(qcdq: readonly number[], packed: readonly number[], where: string): { maxAbsDiff: number; tolerance: number } {
  if (qcdq.length !== packed.length) throw new UserError(`packed INT4 file has ${packed.length} COCO stats, its QCDQ file ${qcdq.length}`, where);
  const maxAbsDiff = Math.max(0, ...qcdq.map((x, i) => Math.abs(x - packed[i]!)));
  if (!(maxAbsDiff <= packedStatsTolerance)) {
    throw new UserError(`the packed INT4 file scores differently from its QCDQ file (largest stat difference ${maxAbsDiff}, expected at most ${packedStatsTolerance}): the packing changed the model`, where);
  }
  return { maxAbsDiff, tolerance: packedStatsTolerance };
}
