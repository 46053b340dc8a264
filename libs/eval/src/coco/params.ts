/**
 * COCOeval's default bbox parameters. The thresholds are computed the way numpy.linspace computes them
 * (i * step + start, last point set to stop), so comparisons against them round exactly as in pycocotools.
 */
export function numpyLinspace(start: number, stop: number, num: number): Float64Array {
  const out = new Float64Array(num);
  const step = (stop - start) / (num - 1);
  for (let i = 0; i < num; i++) out[i] = i * step + start;
  out[num - 1] = stop;
  return out;
}

/** IoU thresholds .50:.05:.95 (T = 10). */
export const IOU_THRESHOLDS = numpyLinspace(0.5, 0.95, 10);
/** Recall sampling points 0:.01:1 (R = 101). */
export const RECALL_THRESHOLDS = numpyLinspace(0, 1, 101);

/** Area ranges on the ground-truth `area` field (both bounds inclusive, as in pycocotools). */
export const AREA_RANGES = [
  { label: 'all', min: 0, max: 1e10 },
  { label: 'small', min: 0, max: 32 ** 2 },
  { label: 'medium', min: 32 ** 2, max: 96 ** 2 },
  { label: 'large', min: 96 ** 2, max: 1e10 },
] as const;
export type AreaLabel = (typeof AREA_RANGES)[number]['label'];

/** Detections kept per image and category, ascending; the last one caps what evaluation looks at. */
export const MAX_DETS = [1, 10, 100] as const;
export const MAX_DET_CAP = 100;

/** pycocotools caps the IoU threshold just below 1 so a perfect box still matches at t = 1. */
export const IOU_CAP = 1 - 1e-10;

/** numpy.spacing(1): pycocotools adds it to tp + fp so precision is 0, not NaN, before the first counted det. */
export const NUMPY_SPACING_1 = 2 ** -52;

export const T = IOU_THRESHOLDS.length;
export const R = RECALL_THRESHOLDS.length;
export const A = AREA_RANGES.length;
export const M = MAX_DETS.length;
