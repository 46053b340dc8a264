import { mkdir, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { UserError } from '../../../core/src/errors.ts';
import { cocoSplits, type CocoSplit } from '../convert-coco.ts';
import { logToStderr, type Log } from '../progress.ts';
import { Random } from './random.ts';
import { visibleRegions, type VisibleRegion } from './ground-truth.ts';
import { renderSceneJpeg } from './render.ts';
import { planScene, type Scene } from './scene.ts';
import { outlinePolygon, shapeClasses } from './shapes.ts';

export interface SyntheticCocoOptions {
  /** Folder to write train2017/, val2017/ and annotations/ into (created). */
  root: string;
  trainImages?: number;
  valImages?: number;
  /** Each image's width and height are drawn from [minSide, maxSide]. */
  minSide?: number;
  maxSide?: number;
  seed?: number;
  /** Share of images with no objects at all. */
  emptyFraction?: number;
  maxObjectsPerImage?: number;
  jpegQuality?: number;
  log?: Log;
}

export interface SyntheticSplitSummary {
  images: number;
  emptyImages: number;
  annotations: number;
  /** Objects by COCO's area ranges of their visible area. */
  bySize: { small: number; medium: number; large: number };
}

export interface SyntheticCocoResult {
  root: string;
  categories: Array<{ id: number; name: string }>;
  splits: Record<CocoSplit, SyntheticSplitSummary>;
  elapsedSeconds: number;
}

export const syntheticDefaults = {
  trainImages: 300,
  valImages: 50,
  minSide: 256,
  maxSide: 512,
  seed: 0,
  emptyFraction: 0.08,
  maxObjectsPerImage: 8,
  jpegQuality: 90,
} as const;

/**
 * Writes a small COCO-format detection dataset of shapes (see shapes.ts for the classes) as real JPEG
 * files plus instances_{train,val}2017.json. The output depends on the options only: the same seed gives
 * the same bytes. Ground truth is exact for what is drawn: each bbox is the tight box of the object's
 * visible pixels (occlusion and image border included) and each area is that visible pixel count; iscrowd
 * is always 0; segmentation is the shape's full outline polygon (circles as 32-gons), not occlusion-aware.
 */
export async function generateSyntheticCoco(options: SyntheticCocoOptions): Promise<SyntheticCocoResult> {
  const started = performance.now();
  const settings: Settings = { ...syntheticDefaults, ...withoutUndefined(options) };
  validate(settings);
  const root = resolve(options.root);
  const log = options.log ?? logToStderr;
  const categories = shapeClasses.map((shape) => ({ id: shape.cocoId, name: shape.name }));
  await mkdir(join(root, 'annotations'), { recursive: true });

  const splits = {} as Record<CocoSplit, SyntheticSplitSummary>;
  let nextImageId = 1;
  let nextAnnotationId = 1;
  for (const [splitIndex, split] of cocoSplits.entries()) {
    const count = split === 'train2017' ? settings.trainImages : settings.valImages;
    const imageIds = Array.from({ length: count }, (_, i) => nextImageId + i);
    nextImageId += count;
    // A fixed share of empty images, spread by a seeded shuffle, so even a small split has some.
    const emptyCount = Math.round(count * settings.emptyFraction);
    const empty = new Set(new Random(settings.seed, splitIndex, 0xe).shuffled(imageIds).slice(0, emptyCount));

    const scenes = imageIds.map((id) => {
      const random = new Random(settings.seed, splitIndex, id);
      const width = random.int(settings.minSide, settings.maxSide);
      const height = random.int(settings.minSide, settings.maxSide);
      return planScene(random, width, height, { maxObjects: settings.maxObjectsPerImage, empty: empty.has(id) });
    });
    const fileNames = imageIds.map((id) => `${String(id).padStart(12, '0')}.jpg`);
    await mkdir(join(root, split), { recursive: true });
    const regions: VisibleRegion[][] = [];
    await forEachConcurrently(scenes, 4, async (scene, i) => {
      await writeFile(join(root, split, fileNames[i]!), await renderSceneJpeg(scene, settings.jpegQuality));
      regions[i] = await visibleRegions(scene);
    });

    const instances = cocoInstances(scenes, regions, imageIds, fileNames, categories, nextAnnotationId);
    nextAnnotationId += instances.annotations.length;
    await writeFile(join(root, 'annotations', `instances_${split}.json`), JSON.stringify(instances));
    splits[split] = summarise(regions);
    log(`dataset: synthetic ${split}: ${count} images, ${splits[split].annotations} objects`);
  }
  return { root, categories, splits, elapsedSeconds: (performance.now() - started) / 1000 };
}

function cocoInstances(
  scenes: readonly Scene[],
  regions: readonly VisibleRegion[][],
  imageIds: readonly number[],
  fileNames: readonly string[],
  categories: Array<{ id: number; name: string }>,
  firstAnnotationId: number,
) {
  const idOf = new Map(shapeClasses.map((shape) => [shape.name as string, shape.cocoId]));
  let annotationId = firstAnnotationId;
  return {
    info: { description: 'Synthetic shapes in COCO format (generated by libs/dataset)', version: '1.0' },
    licenses: [],
    images: scenes.map((scene, i) => ({ id: imageIds[i]!, file_name: fileNames[i]!, width: scene.width, height: scene.height })),
    annotations: scenes.flatMap((scene, i) =>
      scene.objects.flatMap((object, k) => {
        const { bbox, area } = regions[i]![k]!;
        if (!bbox) return []; // entirely hidden: nothing to detect
        return [
          {
            id: annotationId++,
            image_id: imageIds[i]!,
            category_id: idOf.get(object.shape)!,
            bbox,
            area,
            iscrowd: 0,
            segmentation: [outlinePolygon(object.outline)],
          },
        ];
      }),
    ),
    categories: categories.map((category) => ({ ...category, supercategory: 'shape' })),
  };
}

function summarise(regions: readonly VisibleRegion[][]): SyntheticSplitSummary {
  const bySize = { small: 0, medium: 0, large: 0 };
  let annotations = 0;
  let emptyImages = 0;
  for (const imageRegions of regions) {
    const visible = imageRegions.filter((region) => region.area > 0);
    if (visible.length === 0) emptyImages++;
    for (const { area } of visible) {
      annotations++;
      bySize[area < 32 * 32 ? 'small' : area < 96 * 96 ? 'medium' : 'large']++;
    }
  }
  return { images: regions.length, emptyImages, annotations, bySize };
}

type Settings = { -readonly [K in keyof typeof syntheticDefaults]: number };

function validate(settings: Settings): void {
  const positiveInteger = (key: keyof typeof settings, minimum: number): void => {
    const value = settings[key];
    if (typeof value !== 'number' || !Number.isInteger(value) || value < minimum) {
      throw new UserError(`expected an integer >= ${minimum}, got ${JSON.stringify(value)}`, `synthetic dataset option ${key}`);
    }
  };
  positiveInteger('trainImages', 1);
  positiveInteger('valImages', 1);
  positiveInteger('minSide', 64);
  positiveInteger('maxSide', settings.minSide);
  positiveInteger('maxObjectsPerImage', 1);
  positiveInteger('jpegQuality', 1);
  if (settings.jpegQuality > 100) throw new UserError('expected at most 100', 'synthetic dataset option jpegQuality');
  if (settings.maxObjectsPerImage > 255) throw new UserError('expected at most 255', 'synthetic dataset option maxObjectsPerImage');
  if (!Number.isInteger(settings.seed)) throw new UserError(`expected an integer, got ${settings.seed}`, 'synthetic dataset option seed');
  if (!(settings.emptyFraction >= 0 && settings.emptyFraction <= 1)) {
    throw new UserError(`expected a number in [0, 1], got ${settings.emptyFraction}`, 'synthetic dataset option emptyFraction');
  }
}

async function forEachConcurrently<T>(items: readonly T[], limit: number, work: (item: T, index: number) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const index = next++;
      await work(items[index]!, index);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
}

function withoutUndefined<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as Partial<T>;
}
