import { UserError } from '../../../core/src/errors.ts';
import type { CocoInstances, CocoResult } from './types.ts';

/**
 * Shape checks for COCO instances and results, with errors that name the source (a file path or a label),
 * the record index and the key. They are hand-written loops rather than a schema because a results file
 * holds over a million records and this runs before every evaluation.
 */

/** Checks a parsed instances file; returns it typed. Ids must be unique; annotations must point at known ids. */
export function checkInstances(value: unknown, where: string): CocoInstances {
  if (!isObject(value)) throw new UserError(`expected a COCO instances object with images, annotations and categories, got ${preview(value)}`, where);
  const images = arrayField(value, 'images', where);
  const annotations = arrayField(value, 'annotations', where);
  const categories = arrayField(value, 'categories', where);

  const imageIds = checkRecordIds(images, 'images', 'image', where);
  const categoryIds = checkRecordIds(categories, 'categories', 'category', where, (category, at) => {
    if (typeof category.name !== 'string') throw new UserError(`${at}.name: expected a string, got ${preview(category.name)}`, where);
  });
  checkRecordIds(annotations, 'annotations', 'annotation', where, (annotation, at, id) => {
    // pycocotools marks a match by the ground truth's id and reads 0 as "no match", and looks annotations up
    // by id, so a zero id (or a repeated one, which checkRecordIds refuses) would silently change the result.
    if (id === 0) throw new UserError(`${at}.id: annotation id 0 is not allowed (pycocotools reads a match to id 0 as no match)`, where);
    checkKnownIds(annotation, at, where, imageIds, categoryIds, 'the images list', 'the categories list');
    checkBbox(annotation.bbox, at, where);
    const area = annotation.area;
    if (typeof area !== 'number' || !Number.isFinite(area) || area < 0) {
      throw new UserError(`${at}.area: expected a finite number >= 0, got ${preview(area)}`, where);
    }
    const crowd = annotation.iscrowd;
    if (crowd !== undefined && crowd !== 0 && crowd !== 1 && crowd !== true && crowd !== false) {
      throw new UserError(`${at}.iscrowd: expected 0 or 1, got ${preview(crowd)}`, where);
    }
  });
  return value as unknown as CocoInstances;
}

/** Ids that results may name: those of the ground truth's images and categories. */
export interface KnownIds {
  readonly imageIds: ReadonlySet<number>;
  readonly categoryIds: ReadonlySet<number>;
}

export function knownIds(instances: CocoInstances): KnownIds {
  return {
    imageIds: new Set(instances.images.map((image) => image.id)),
    categoryIds: new Set(instances.categories.map((category) => category.id)),
  };
}

/**
 * Checks a parsed results array against the ground truth's ids; returns it typed. pycocotools asserts on
 * unknown image ids and silently drops unknown category ids; both are errors here.
 */
export function checkResults(value: unknown, known: KnownIds, where: string): CocoResult[] {
  if (!Array.isArray(value)) throw new UserError(`expected a JSON array of detections, got ${preview(value)}`, where);
  for (let i = 0; i < value.length; i++) {
    const record: unknown = value[i];
    const at = `results[${i}]`;
    if (!isObject(record)) throw new UserError(`${at}: expected a detection object, got ${preview(record)}`, where);
    checkKnownIds(record, at, where, known.imageIds, known.categoryIds, 'the ground truth images', 'the ground truth categories');
    checkBbox(record.bbox, at, where);
    const score = record.score;
    if (typeof score !== 'number' || !Number.isFinite(score)) {
      throw new UserError(`${at}.score: expected a finite number, got ${preview(score)}`, where);
    }
  }
  return value as CocoResult[];
}

/**
 * Checks that each of `records` (the `array` list) is an object with an integer id no other record has, then
 * runs `check` on it; returns the ids.
 */
function checkRecordIds(
  records: readonly unknown[],
  array: string,
  noun: string,
  where: string,
  check?: (record: Record<string, unknown>, at: string, id: number) => void,
): Set<number> {
  const ids = new Set<number>();
  records.forEach((record, i) => {
    const at = `${array}[${i}]`;
    if (!isObject(record)) throw new UserError(`${at}: expected an object, got ${preview(record)}`, where);
    const id = integerField(record, 'id', at, where);
    if (ids.has(id)) throw new UserError(`${at}.id: ${noun} id ${id} appears twice`, where);
    ids.add(id);
    check?.(record, at, id);
  });
  return ids;
}

function checkKnownIds(
  record: Record<string, unknown>,
  at: string,
  where: string,
  imageIds: ReadonlySet<number>,
  categoryIds: ReadonlySet<number>,
  imagesName: string,
  categoriesName: string,
): void {
  const imageId = record.image_id;
  if (typeof imageId !== 'number' || !imageIds.has(imageId)) {
    const problem = typeof imageId === 'number' ? `${imageId} is not an image id of ${imagesName}` : `expected an image id, got ${preview(imageId)}`;
    throw new UserError(`${at}.image_id: ${problem}`, where);
  }
  const categoryId = record.category_id;
  if (typeof categoryId !== 'number' || !categoryIds.has(categoryId)) {
    const problem =
      typeof categoryId === 'number' ? `${categoryId} is not a category id of ${categoriesName}` : `expected a category id, got ${preview(categoryId)}`;
    throw new UserError(`${at}.category_id: ${problem}`, where);
  }
}

function checkBbox(bbox: unknown, at: string, where: string): void {
  if (
    !Array.isArray(bbox) ||
    bbox.length !== 4 ||
    !bbox.every((v: unknown) => typeof v === 'number' && Number.isFinite(v)) ||
    (bbox[2] as number) < 0 ||
    (bbox[3] as number) < 0
  ) {
    throw new UserError(`${at}.bbox: expected [x, y, width, height] of 4 finite numbers with width, height >= 0, got ${preview(bbox)}`, where);
  }
}

function arrayField(record: Record<string, unknown>, key: string, where: string): unknown[] {
  const value = record[key];
  if (!Array.isArray(value)) throw new UserError(`${key}: expected an array, got ${preview(value)}`, where);
  return value;
}

function integerField(record: Record<string, unknown>, key: string, at: string, where: string): number {
  const value = record[key];
  if (typeof value !== 'number' || !Number.isSafeInteger(value)) {
    throw new UserError(`${at}.${key}: expected an integer, got ${preview(value)}`, where);
  }
  return value;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function preview(value: unknown): string {
  if (value === undefined) return 'nothing (missing)';
  // Numbers by String() so that NaN and Infinity show as themselves rather than as JSON's null.
  const text =
    typeof value === 'number'
      ? String(value)
      : Array.isArray(value) && value.every((v: unknown) => typeof v === 'number')
        ? `[${value.join(', ')}]`
        : (JSON.stringify(value) ?? String(value));
  return text.length > 80 ? `${text.slice(0, 77)}...` : text;
}
