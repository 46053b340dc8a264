import { numpyPairwiseSum } from '../coco/numpy-sum.ts';
import { numpyInterp } from './numpy-interp.ts';
import { AP_RECALL_POINTS } from './params.ts';

const pointCount = AP_RECALL_POINTS.length;
/** np.diff of the recall points: each trapezoid's width. */
const widths = Float64Array.from({ length: pointCount - 1 }, (_, i) => AP_RECALL_POINTS[i + 1]! - AP_RECALL_POINTS[i]!);

/**
 * Ultralytics' compute_ap for one class at one IoU threshold, from its first `count` detections' recall and
 * precision in confidence order (count >= 1):
 * - sentinels: recall gets 0 in front and its last value then 1 behind; precision gets 1 in front and 0, 0 behind,
 *   so the curve drops to 0 at the last recall reached (not at recall 1) and stays 0 up to recall 1;
 * - the envelope: precision made non-increasing by a running maximum from the right;
 * - the envelope linearly interpolated at the 101 points 0:.01:1 (np.interp; pycocotools takes steps instead)
 *   and integrated with the trapezoid rule (np.trapezoid), so even a perfect class scores 0.995, not 1.
 */
export function computeAp(recall: Float64Array, precision: Float64Array, count: number): number {
  const n = count + 3;
  const mrec = new Float64Array(n);
  const mpre = new Float64Array(n);
  mrec.set(recall.subarray(0, count), 1);
  mrec[count + 1] = recall[count - 1]!;
  mrec[count + 2] = 1;
  mpre[0] = 1;
  mpre.set(precision.subarray(0, count), 1);
  for (let i = n - 2; i >= 0; i--) mpre[i] = Math.max(mpre[i]!, mpre[i + 1]!);

  const sampled = AP_RECALL_POINTS.map((r) => numpyInterp(r, mrec, mpre, n));
  const areas = new Float64Array(pointCount - 1);
  for (let i = 0; i < areas.length; i++) areas[i] = (widths[i]! * (sampled[i + 1]! + sampled[i]!)) / 2;
  return numpyPairwiseSum(areas, 0, areas.length);
}
