import { IOU_EPS } from './params.ts';

const f32 = Math.fround;

/**
 * IoU of two [x1, y1, x2, y2] boxes as Ultralytics' box_iou computes it: in float32 (it casts both boxes with
 * .float()), with IOU_EPS added to the union, each operation rounded to float32 in torch's order. An IoU that
 * is exactly a threshold in real numbers lands just below or above it as it does there, so matches agree.
 * The coordinates must already be float32 values (Math.fround).
 */
export function float32BoxIou(
  ax1: number,
  ay1: number,
  ax2: number,
  ay2: number,
  bx1: number,
  by1: number,
  bx2: number,
  by2: number,
): number {
  const w = Math.max(f32(Math.min(ax2, bx2) - Math.max(ax1, bx1)), 0);
  const h = Math.max(f32(Math.min(ay2, by2) - Math.max(ay1, by1)), 0);
  const intersection = f32(w * h);
  const areaA = f32(f32(ax2 - ax1) * f32(ay2 - ay1));
  const areaB = f32(f32(bx2 - bx1) * f32(by2 - by1));
  return f32(intersection / f32(f32(f32(areaA + areaB) - intersection) + IOU_EPS));
}
