import type { CocoResult } from '../coco/types.ts';

/** Detections grouped by image as the validator receives them from NMS. */
export interface ValidationDetections {
  /** Detections of image rank i (ascending image id) are [start[i], start[i + 1]), highest confidence first. */
  readonly start: Uint32Array;
  readonly count: number;
  readonly category: Int32Array;
  readonly confidence: Float64Array;
  /** [detection * 4 + c]: x1, y1, x2, y2 in the original image's pixels, as float32. */
  readonly box: Float32Array;
}

/**
 * Detections per image by descending confidence, as NMS hands them to the validator; equal confidences keep
 * their order in `results` (the evaluator writes each image's detections in NMS order, and rounding scores to
 * 5 decimals keeps that order). Detections of a category the model has no class for are left out: no model
 * makes them, and no label of theirs is kept.
 */
export function validationDetections(results: readonly CocoResult[], imageRank: ReadonlyMap<number, number>, classCategories: ReadonlySet<number>): ValidationDetections {
  const kept = results.filter((r) => classCategories.has(r.category_id) && imageRank.has(r.image_id));
  const rank = Int32Array.from(kept, (r) => imageRank.get(r.image_id)!);
  const score = Float64Array.from(kept, (r) => r.score);
  const order = Array.from(kept.keys()).sort((a, b) => rank[a]! - rank[b]! || score[b]! - score[a]! || a - b);
  const count = order.length;
  const start = new Uint32Array(imageRank.size + 1);
  const category = new Int32Array(count);
  const confidence = new Float64Array(count);
  const box = new Float32Array(count * 4);
  order.forEach((index, d) => {
    const r = kept[index]!;
    const [x, y, w, h] = r.bbox as [number, number, number, number];
    category[d] = r.category_id;
    confidence[d] = r.score;
    box.set([x, y, x + w, y + h], d * 4);
    start[rank[index]! + 1]!++;
  });
  for (let i = 0; i < imageRank.size; i++) start[i + 1]! += start[i]!;
  return { start, count, category, confidence, box };
}
