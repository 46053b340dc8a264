import type { CocoInstances, CocoResult } from './types.ts';

/**
 * Column tables of checked COCO input. Images and categories are referred to by their rank in ascending id
 * order, which is the order pycocotools iterates them in (it takes sorted unique ids from the ground truth).
 */

export interface GroundTruthTable {
  readonly imageIds: readonly number[];
  readonly categoryIds: readonly number[];
  readonly categoryNames: readonly string[];
  readonly imageRank: ReadonlyMap<number, number>;
  readonly categoryRank: ReadonlyMap<number, number>;
  readonly count: number;
  readonly image: Uint32Array;
  readonly category: Uint32Array;
  readonly box: BoxColumns;
  /** The annotation's `area` field (segment area), which decides small/medium/large. */
  readonly area: Float64Array;
  readonly crowd: Uint8Array;
}

export interface DetectionTable {
  readonly count: number;
  readonly image: Uint32Array;
  readonly category: Uint32Array;
  readonly box: BoxColumns;
  readonly score: Float64Array;
  /** width * height, as pycocotools' loadRes sets it for bbox results. */
  readonly area: Float64Array;
}

export interface BoxColumns {
  readonly x: Float64Array;
  readonly y: Float64Array;
  readonly w: Float64Array;
  readonly h: Float64Array;
}

/** Expects input that passed checkInstances. */
export function groundTruthTable(instances: CocoInstances): GroundTruthTable {
  const imageIds = instances.images.map((image) => image.id).sort((a, b) => a - b);
  const categories = [...instances.categories].sort((a, b) => a.id - b.id);
  const imageRank = rankMap(imageIds);
  const categoryIds = categories.map((category) => category.id);
  const categoryRank = rankMap(categoryIds);

  const annotations = instances.annotations;
  const count = annotations.length;
  const image = new Uint32Array(count);
  const category = new Uint32Array(count);
  const box = boxColumns(count);
  const area = new Float64Array(count);
  const crowd = new Uint8Array(count);
  for (let i = 0; i < count; i++) {
    const annotation = annotations[i]!;
    image[i] = imageRank.get(annotation.image_id)!;
    category[i] = categoryRank.get(annotation.category_id)!;
    setBox(box, i, annotation.bbox);
    area[i] = annotation.area;
    crowd[i] = annotation.iscrowd ? 1 : 0;
  }
  return {
    imageIds,
    categoryIds,
    categoryNames: categories.map((category) => category.name),
    imageRank,
    categoryRank,
    count,
    image,
    category,
    box,
    area,
    crowd,
  };
}

/** Expects results that passed checkResults against the same ground truth. */
export function detectionTable(results: readonly CocoResult[], gt: GroundTruthTable): DetectionTable {
  const count = results.length;
  const image = new Uint32Array(count);
  const category = new Uint32Array(count);
  const box = boxColumns(count);
  const score = new Float64Array(count);
  const area = new Float64Array(count);
  for (let i = 0; i < count; i++) {
    const result = results[i]!;
    image[i] = gt.imageRank.get(result.image_id)!;
    category[i] = gt.categoryRank.get(result.category_id)!;
    setBox(box, i, result.bbox);
    score[i] = result.score;
    area[i] = box.w[i]! * box.h[i]!;
  }
  return { count, image, category, box, score, area };
}

function rankMap(sortedIds: readonly number[]): Map<number, number> {
  return new Map(sortedIds.map((id, rank) => [id, rank]));
}

function boxColumns(count: number): BoxColumns {
  return { x: new Float64Array(count), y: new Float64Array(count), w: new Float64Array(count), h: new Float64Array(count) };
}

function setBox(box: BoxColumns, i: number, bbox: readonly number[]): void {
  box.x[i] = bbox[0]!;
  box.y[i] = bbox[1]!;
  box.w[i] = bbox[2]!;
  box.h[i] = bbox[3]!;
}
