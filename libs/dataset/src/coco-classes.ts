import { UserError } from '../../core/src/errors.ts';
import type { CocoCategory } from './coco-reader.ts';

/**
 * COCO's 80 detection classes in YOLO order: entry i is the COCO category id (from the paper's 91-id
 * space, with gaps) of YOLO class i. This is the 91->80 map Ultralytics applies with cls91to80=True.
 */
export const cocoIdOfYoloClass: readonly number[] = [
  1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25, 27, 28, 31, 32, 33, 34, 35, 36, 37, 38,
  39, 40, 41, 42, 43, 44, 46, 47, 48, 49, 50, 51, 52, 53, 54, 55, 56, 57, 58, 59, 60, 61, 62, 63, 64, 65, 67, 70, 72, 73, 74, 75,
  76, 77, 78, 79, 80, 81, 82, 84, 85, 86, 87, 88, 89, 90,
];

/** COCO 2017's names of the 80 classes, in YOLO order (as in Ultralytics' coco.yaml). */
export const cocoClassNames: readonly string[] = [
  'person', 'bicycle', 'car', 'motorcycle', 'airplane', 'bus', 'train', 'truck', 'boat', 'traffic light', 'fire hydrant',
  'stop sign', 'parking meter', 'bench', 'bird', 'cat', 'dog', 'horse', 'sheep', 'cow', 'elephant', 'bear', 'zebra', 'giraffe',
  'backpack', 'umbrella', 'handbag', 'tie', 'suitcase', 'frisbee', 'skis', 'snowboard', 'sports ball', 'kite', 'baseball bat',
  'baseball glove', 'skateboard', 'surfboard', 'tennis racket', 'bottle', 'wine glass', 'cup', 'fork', 'knife', 'spoon', 'bowl',
  'banana', 'apple', 'sandwich', 'orange', 'broccoli', 'carrot', 'hot dog', 'pizza', 'donut', 'cake', 'chair', 'couch',
  'potted plant', 'bed', 'dining table', 'toilet', 'tv', 'laptop', 'mouse', 'remote', 'keyboard', 'cell phone', 'microwave',
  'oven', 'toaster', 'sink', 'refrigerator', 'book', 'clock', 'vase', 'scissors', 'teddy bear', 'hair drier', 'toothbrush',
];

export const yoloClassCount = cocoIdOfYoloClass.length;

const yoloClassOfCocoIdTable = new Map(cocoIdOfYoloClass.map((cocoId, yoloClass) => [cocoId, yoloClass]));

/** The YOLO class (0..79) of a COCO category id, or undefined for ids outside the 80 (12, 26, 29, 30, ..., > 90). */
export function yoloClassOfCocoId(categoryId: number): number | undefined {
  return yoloClassOfCocoIdTable.get(categoryId);
}

/**
 * The 80 class names for data.yaml: each annotation file's declared category names placed through the
 * 91->80 map, and COCO's own name for every slot no file declares. Two files naming one slot differently
 * is an error, since the label files could not say which name a class index means.
 */
export function yoloClassNames(declared: ReadonlyArray<{ file: string; categories: readonly CocoCategory[] }>): string[] {
  const names = [...cocoClassNames];
  const namedBy: Array<string | undefined> = [];
  for (const { file, categories } of declared) {
    for (const category of categories) {
      const slot = yoloClassOfCocoId(category.id);
      if (slot === undefined) continue;
      const earlier = namedBy[slot];
      if (earlier !== undefined && names[slot] !== category.name) {
        throw new UserError(
          `category id ${category.id} is named "${category.name}" here but "${names[slot]}" in ${earlier}; the splits must agree on class names`,
          file,
        );
      }
      names[slot] = category.name;
      namedBy[slot] = file;
    }
  }
  return names;
}
