/**
 * IoU of a detection box with a ground-truth box, with the operations in the order of pycocotools' C
 * bbIou so the doubles round identically. Against a crowd region the denominator is the detection's own
 * area (the fraction of the detection inside the region), since a crowd box stands for many objects.
 */
export function bboxIou(
  dx: number,
  dy: number,
  dw: number,
  dh: number,
  gx: number,
  gy: number,
  gw: number,
  gh: number,
  crowd: boolean,
): number {
  const w = Math.min(dw + dx, gw + gx) - Math.max(dx, gx);
  if (w <= 0) return 0;
  const h = Math.min(dh + dy, gh + gy) - Math.max(dy, gy);
  if (h <= 0) return 0;
  const intersection = w * h;
  const detArea = dw * dh;
  const union = crowd ? detArea : detArea + gw * gh - intersection;
  return intersection / union;
}
