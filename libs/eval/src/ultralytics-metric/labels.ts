import type { CocoAnnotation, CocoInstances } from '../coco/types.ts';

/** The ground truth as Ultralytics' validator sees it, grouped by image. */
export interface ValidationLabels {
  /** Labels of image rank i (ascending image id) are [start[i], start[i + 1]), in annotation file order. */
  readonly start: Uint32Array;
  readonly category: Int32Array;
  /** [label * 4 + c]: x1, y1, x2, y2 in the original image's pixels, as float32 (box_iou casts to it). */
  readonly box: Float32Array;
  /** Labels per category, for the categories that have any. */
  readonly perCategory: ReadonlyMap<number, number>;
}

/**
 * The labels training's validation scored against: the dataset stage's YOLO label files, written as
 * Ultralytics' convert_coco writes them (libs/dataset/src/yolo-labels.ts). They leave out crowd regions (which
 * pycocotools keeps, as regions whose detections are ignored), boxes without a positive width and height,
 * categories the model has no class for, and repeats of a box already written for the image. Boxes stay in
 * pixels of the original image: the label files' rounding of the normalised boxes to 6 significant digits (%g)
 * is left out.
 */
export function validationLabels(instances: CocoInstances, imageRank: ReadonlyMap<number, number>, classCategories: ReadonlySet<number>): ValidationLabels {
  const byImage: CocoAnnotation[][] = Array.from({ length: imageRank.size }, () => []);
  for (const annotation of instances.annotations) {
    const rank = imageRank.get(annotation.image_id);
    if (rank !== undefined && isLabel(annotation, classCategories)) byImage[rank]!.push(annotation);
  }
  const kept = byImage.map(withoutRepeats);
  const count = kept.reduce((sum, list) => sum + list.length, 0);
  const start = new Uint32Array(imageRank.size + 1);
  const category = new Int32Array(count);
  const box = new Float32Array(count * 4);
  const perCategory = new Map<number, number>();
  let next = 0;
  kept.forEach((list, rank) => {
    start[rank] = next;
    for (const annotation of list) {
      const [x, y, w, h] = annotation.bbox as [number, number, number, number];
      category[next] = annotation.category_id;
      box.set([x, y, x + w, y + h], next * 4);
      perCategory.set(annotation.category_id, (perCategory.get(annotation.category_id) ?? 0) + 1);
      next++;
    }
  });
  start[imageRank.size] = next;
  return { start, category, box, perCategory };
}

function isLabel(annotation: CocoAnnotation, classCategories: ReadonlySet<number>): boolean {
  return !annotation.iscrowd && annotation.bbox[2]! > 0 && annotation.bbox[3]! > 0 && classCategories.has(annotation.category_id);
}

/** The image's annotations less those equal in category and box to an earlier one (convert_coco writes a row once). */
function withoutRepeats(annotations: readonly CocoAnnotation[]): CocoAnnotation[] {
  const seen = new Set<string>();
  return annotations.filter((a) => {
    const key = `${a.category_id} ${a.bbox.join(' ')}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}
