import { UserError } from '../../core/src/errors.ts';
import type { CocoResult } from './coco/index.ts';
import type { Detection } from './decode-output.ts';
import { scaleBoxesToOriginal, xyxyToCocoXywh, type InverseLetterbox } from '../../core/src/images/letterbox-geometry.ts';
import { roundDecimals } from '../../core/src/rounding.ts';

/**
 * One image's detections as COCO results: boxes mapped back to original pixels and clipped (scale_boxes), turned
 * into [x, y, w, h], class indices mapped to category ids, and rounded like Ultralytics' pred_to_json (bbox to 3
 * decimals, score to 5), so scoring the written results file reproduces the in-process scores exactly.
 */
export function toCocoResults(
  detections: readonly Detection[],
  imageId: number,
  inverse: InverseLetterbox,
  classMap: readonly number[],
  onnxPath: string,
): CocoResult[] {
  const xyxy = scaleBoxesToOriginal(detections.flatMap((d) => [d.x1, d.y1, d.x2, d.y2]), inverse);
  return detections.map((d, i) => {
    const categoryId = classMap[d.classIndex];
    if (categoryId === undefined) {
      throw new UserError(`the model predicted class index ${d.classIndex}, but the dataset has ${classMap.length} classes (0..${classMap.length - 1})`, onnxPath);
    }
    const bbox = xyxyToCocoXywh(xyxy[i * 4]!, xyxy[i * 4 + 1]!, xyxy[i * 4 + 2]!, xyxy[i * 4 + 3]!).map((v) => roundDecimals(v, 3));
    return { image_id: imageId, category_id: categoryId, bbox, score: roundDecimals(d.score, 5) };
  });
}
