import { join } from 'node:path';
import { UserError } from '../../core/src/errors.ts';
import type { CocoCategory, CocoInstances } from './coco/index.ts';

export interface EvalImage {
  readonly id: number;
  readonly fileName: string;
  readonly path: string;
}

/** Default layout of a COCO root: val2017/ images and annotations/instances_val2017.json. */
export function cocoPaths(dataRoot: string): { imagesDir: string; annotations: string } {
  return { imagesDir: join(dataRoot, 'val2017'), annotations: join(dataRoot, 'annotations', 'instances_val2017.json') };
}

/**
 * The images to evaluate: those of the instances file in ascending id order (COCO file names are zero-padded ids,
 * so this is also file-name order), the first `maxImages` of them when given.
 */
export function selectImages(instances: CocoInstances, imagesDir: string, maxImages: number | undefined, where: string): EvalImage[] {
  const images = [...instances.images].sort((a, b) => a.id - b.id);
  const chosen = maxImages === undefined ? images : images.slice(0, maxImages);
  return chosen.map((image, i) => {
    const fileName = (image as { file_name?: unknown }).file_name;
    if (typeof fileName !== 'string' || fileName === '') {
      throw new UserError(`images entry with id ${image.id} (sorted position ${i}) has no file_name; expected the image's file name`, where);
    }
    return { id: image.id, fileName, path: join(imagesDir, fileName) };
  });
}

/** The ground truth restricted to some images (all categories kept), as COCOeval with params.imgIds would see it. */
export function subsetInstances(instances: CocoInstances, imageIds: ReadonlySet<number>): CocoInstances {
  if (imageIds.size === instances.images.length) return instances;
  return {
    ...instances,
    images: instances.images.filter((image) => imageIds.has(image.id)),
    annotations: instances.annotations.filter((a) => imageIds.has(a.image_id)),
  };
}

/**
 * Model class index -> COCO category id when nothing says otherwise: the ground truth's category ids in
 * ascending order. For COCO2017's 80 categories this is exactly the 91->80 map of the dataset stage; for a
 * dataset in COCO's id space with fewer classes (the demo's shapes), pass that map (cocoIdOfYoloClass) instead.
 */
export function classMapFromCategories(categories: readonly CocoCategory[]): number[] {
  return categories.map((c) => c.id).sort((a, b) => a - b);
}
