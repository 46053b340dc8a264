import type { CategoryAp } from '../../../core/src/schemas/eval.ts';
import type { CocoStatKey } from '../../../core/src/vocabulary.ts';

/** The parts of a COCO instances file (annotations/instances_val2017.json) that bbox evaluation reads. */
export interface CocoInstances {
  readonly images: readonly CocoImage[];
  readonly annotations: readonly CocoAnnotation[];
  readonly categories: readonly CocoCategory[];
}

export interface CocoImage {
  readonly id: number;
}

export interface CocoCategory {
  readonly id: number;
  readonly name: string;
}

export interface CocoAnnotation {
  readonly id: number;
  readonly image_id: number;
  readonly category_id: number;
  /** [x, y, width, height] in pixels. */
  readonly bbox: readonly number[];
  /** Segment area: the area ranges (small/medium/large) use this, not the box area. */
  readonly area: number;
  /** 1 (or true) for a crowd region; a missing field counts as 0. */
  readonly iscrowd?: number | boolean;
}

/** One detection of a COCO results file. */
export interface CocoResult {
  readonly image_id: number;
  readonly category_id: number;
  /** [x, y, width, height] in pixels. */
  readonly bbox: readonly number[];
  readonly score: number;
}

/** One category's AP, as metrics.json's perCategory records it (its schema's type). */
export type { CategoryAp };

/** pycocotools' 12 summary numbers, by their names in core/src/vocabulary.ts; -1 where no ground truth falls in the setting. */
export type CocoBboxStats = Readonly<Record<CocoStatKey, number>>;

export interface CocoBboxEvaluation extends CocoBboxStats {
  /** The same 12 numbers in COCOeval.stats order. */
  readonly stats: readonly number[];
  /** One entry per ground-truth category, by ascending category id. */
  readonly perCategory: readonly CategoryAp[];
  readonly counts: {
    readonly images: number;
    readonly categories: number;
    readonly groundTruth: number;
    readonly detections: number;
  };
}
