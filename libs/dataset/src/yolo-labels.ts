import { UserError } from '../../core/src/errors.ts';
import { yoloClassCount, yoloClassOfCocoId } from './coco-classes.ts';
import type { CocoAnnotation, CocoImage, CocoInstances } from './coco-reader.ts';
import { formatPercentG } from './percent-g.ts';

export type SkipReason = 'crowd' | 'zero_size' | 'unknown_category' | 'duplicate';

export interface SplitCounts {
  /** Image records in the annotation file. */
  images: number;
  /** Images with a non-empty label file. */
  labelledImages: number;
  /** Images with no label file, or an empty one (every annotation skipped): negatives for training. */
  backgroundImages: number;
  /** Label files written, empty ones included. */
  labelFiles: number;
  /** Annotation records in the file. */
  annotations: number;
  /** Label rows written. */
  annotationsWritten: number;
  skipped: Record<SkipReason, number>;
  /** Label rows per YOLO class 0..79. */
  perClass: number[];
}

export interface YoloLabels {
  /** Label file path relative to labels/<split>/ (the image's file_name with a .txt suffix) -> its text. */
  files: Map<string, string>;
  counts: SplitCounts;
}

/**
 * Converts one COCO instances file to YOLO detection labels exactly as Ultralytics'
 * convert_coco(use_segments=False, use_keypoints=False, cls91to80=True) does:
 *
 * - an image gets a label file iff at least one annotation refers to it; the file may be empty;
 * - per annotation, in file order: crowd annotations are skipped; the box [x, y, w, h] becomes
 *   (x + w/2) / W, (y + h/2) / H, w / W, h / H in float64 without clipping; a non-positive normalised
 *   width or height is skipped; the category goes through the 91->80 map;
 * - rows equal in all five numbers are written once, first occurrence first;
 * - every number is printed with '%g', rows end with '\n'.
 *
 * Deviation: Ultralytics crashes on a category outside the 80 (it tries to print None); here such
 * annotations are skipped and counted as unknown_category. Structural problems (an annotation naming an
 * unknown image or an undeclared category, duplicate ids, unsafe file names) throw a UserError naming
 * `source` and the record.
 */
export function cocoToYoloLabels(data: CocoInstances, source: string): YoloLabels {
  const declaredCategories = indexCategories(data, source);
  const imagesById = indexImages(data.images, source);
  const byImage = groupByImage(data.annotations, imagesById, declaredCategories, source);

  const skipped: Record<SkipReason, number> = { crowd: 0, zero_size: 0, unknown_category: 0, duplicate: 0 };
  const perClass = new Array<number>(yoloClassCount).fill(0);
  const files = new Map<string, string>();
  let annotationsWritten = 0;
  let labelledImages = 0;

  for (const [imageId, annotations] of byImage) {
    const image = imagesById.get(imageId)!;
    const written = new RowSet();
    const lines: string[] = [];
    for (const annotation of annotations) {
      const row = yoloRow(annotation, image);
      if (typeof row === 'string') {
        skipped[row]++;
        continue;
      }
      if (!written.add(row)) {
        skipped.duplicate++;
        continue;
      }
      lines.push(`${row.cls} ${formatPercentG(row.cx)} ${formatPercentG(row.cy)} ${formatPercentG(row.w)} ${formatPercentG(row.h)}\n`);
      perClass[row.cls]!++;
      annotationsWritten++;
    }
    files.set(labelFileName(image.fileName), lines.join(''));
    if (lines.length > 0) labelledImages++;
  }

  return {
    files,
    counts: {
      images: data.images.length,
      labelledImages,
      backgroundImages: data.images.length - labelledImages,
      labelFiles: files.size,
      annotations: data.annotations.length,
      annotationsWritten,
      skipped,
      perClass,
    },
  };
}

export interface YoloRow {
  cls: number;
  cx: number;
  cy: number;
  w: number;
  h: number;
}

/**
 * The rows already written for one image, compared as exact doubles like Python's tuple equality (so 0 and
 * -0 are equal), bucketed by centre x to stay linear however many boxes an image has.
 */
class RowSet {
  private readonly byCx = new Map<number, YoloRow[]>();

  /** Adds the row; false when an equal row is already there. */
  add(row: YoloRow): boolean {
    const bucket = this.byCx.get(row.cx);
    if (bucket === undefined) {
      this.byCx.set(row.cx, [row]);
      return true;
    }
    for (const other of bucket) {
      if (other.cls === row.cls && other.cy === row.cy && other.w === row.w && other.h === row.h) return false;
    }
    bucket.push(row);
    return true;
  }
}

/** One annotation's label row, or why it has none (the checks in Ultralytics' order). */
export function yoloRow(annotation: CocoAnnotation, image: CocoImage): YoloRow | Exclude<SkipReason, 'duplicate'> {
  if (annotation.iscrowd) return 'crowd';
  const [x, y, bw, bh] = annotation.bbox;
  const w = bw / image.width;
  const h = bh / image.height;
  if (w <= 0 || h <= 0) return 'zero_size';
  const cls = yoloClassOfCocoId(annotation.categoryId);
  if (cls === undefined) return 'unknown_category';
  return { cls, cx: (x + bw / 2) / image.width, cy: (y + bh / 2) / image.height, w, h };
}

/** The label file of an image: its file_name with the last suffix replaced by .txt (pathlib's with_suffix). */
export function labelFileName(fileName: string): string {
  const slash = fileName.lastIndexOf('/');
  const base = fileName.slice(slash + 1);
  const dot = base.lastIndexOf('.');
  const stem = dot > 0 && dot < base.length - 1 ? base.slice(0, dot) : base;
  return `${fileName.slice(0, slash + 1)}${stem}.txt`;
}

function indexCategories(data: CocoInstances, source: string): Set<number> {
  const ids = new Set<number>();
  data.categories.forEach((category, index) => {
    if (ids.has(category.id)) throw new UserError(`categories[${index}] (id ${category.id}): the category id is declared twice`, source);
    ids.add(category.id);
  });
  return ids;
}

function indexImages(images: readonly CocoImage[], source: string): Map<number, CocoImage> {
  const byId = new Map<number, CocoImage>();
  const fileNames = new Set<string>();
  images.forEach((image, index) => {
    const where = `images[${index}] (id ${image.id})`;
    if (byId.has(image.id)) throw new UserError(`${where}: the image id is used by an earlier image record too`, source);
    const problem = fileNameProblem(image.fileName);
    if (problem) throw new UserError(`${where}: file_name ${JSON.stringify(image.fileName)} ${problem}`, source);
    if (fileNames.has(image.fileName)) {
      throw new UserError(`${where}: file_name ${JSON.stringify(image.fileName)} is used by an earlier image record too`, source);
    }
    byId.set(image.id, image);
    fileNames.add(image.fileName);
  });
  return byId;
}

/** file_name becomes a path under images/ and labels/: it must stay inside them. */
function fileNameProblem(fileName: string): string | undefined {
  if (fileName.startsWith('/')) return 'must be a relative path';
  if (fileName.includes('\\')) return "must use '/' as the folder separator";
  if (fileName.split('/').some((part) => part === '' || part === '.' || part === '..')) return "must not contain empty, '.' or '..' parts";
  return undefined;
}

/** Annotations per image id in first-appearance order, checking every reference is declared. */
function groupByImage(
  annotations: readonly CocoAnnotation[],
  images: ReadonlyMap<number, CocoImage>,
  categories: ReadonlySet<number>,
  source: string,
): Map<number, CocoAnnotation[]> {
  const byImage = new Map<number, CocoAnnotation[]>();
  for (const annotation of annotations) {
    if (!images.has(annotation.imageId)) {
      throw new UserError(`${nameOf(annotation)}: image_id ${annotation.imageId} is not the id of any record in "images"`, source);
    }
    if (!categories.has(annotation.categoryId)) {
      throw new UserError(`${nameOf(annotation)}: category_id ${annotation.categoryId} is not declared in "categories"`, source);
    }
    const list = byImage.get(annotation.imageId);
    if (list) list.push(annotation);
    else byImage.set(annotation.imageId, [annotation]);
  }
  return byImage;
}

function nameOf(annotation: CocoAnnotation): string {
  return `annotations[${annotation.index}]${annotation.id === undefined ? '' : ` (id ${annotation.id})`}`;
}
