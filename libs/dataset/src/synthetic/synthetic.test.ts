import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import sharp from 'sharp';
import { sha256Text } from '../../../core/src/hashing.ts';
import { yoloClassOfCocoId } from '../coco-classes.ts';
import { withTempDir } from '../test-helpers.ts';
import { CoverageMap } from './coverage.ts';
import { generateSyntheticCoco } from './generate.ts';
import { visibleRegions } from './ground-truth.ts';
import { Random } from './random.ts';
import { renderSceneRaw } from './render.ts';
import { planScene, type Scene } from './scene.ts';
import { shapeClasses } from './shapes.ts';

const quiet = (): void => {};

/** sha256 of every file under root, by relative path. */
function treeHashes(root: string): Record<string, string> {
  const hashes: Record<string, string> = {};
  for (const entry of readdirSync(root, { recursive: true, withFileTypes: true })) {
    if (entry.isFile()) hashes[relative(root, join(entry.parentPath, entry.name))] = sha256Text(readFileSync(join(entry.parentPath, entry.name)));
  }
  return hashes;
}

test('the same seed gives the same bytes; another seed gives other bytes', async () => {
  await withTempDir(async (dir) => {
    const options = { trainImages: 10, valImages: 4, minSide: 96, maxSide: 160, log: quiet };
    await generateSyntheticCoco({ ...options, root: join(dir, 'a'), seed: 11 });
    await generateSyntheticCoco({ ...options, root: join(dir, 'b'), seed: 11 });
    await generateSyntheticCoco({ ...options, root: join(dir, 'c'), seed: 12 });
    const a = treeHashes(join(dir, 'a'));
    assert.equal(Object.keys(a).length, 10 + 4 + 2);
    assert.deepEqual(treeHashes(join(dir, 'b')), a);
    const c = treeHashes(join(dir, 'c'));
    assert.notEqual(c['annotations/instances_train2017.json'], a['annotations/instances_train2017.json']);
    assert.notEqual(c['train2017/000000000001.jpg'], a['train2017/000000000001.jpg']);
  });
});

interface Instances {
  images: Array<{ id: number; file_name: string; width: number; height: number }>;
  annotations: Array<{ id: number; image_id: number; category_id: number; bbox: number[]; area: number; iscrowd: number; segmentation: number[][] }>;
  categories: Array<{ id: number; name: string }>;
}

test('writes a sane COCO dataset: real JPEGs, varied sizes, COCO ids through the 91->80 map, clean boxes', async () => {
  await withTempDir(async (dir) => {
    const result = await generateSyntheticCoco({ root: dir, trainImages: 40, valImages: 12, seed: 1, log: quiet });
    const ids = result.categories.map((category) => category.id);
    assert.ok(ids.length >= 5);
    assert.ok(ids.some((id) => id > 11 && yoloClassOfCocoId(id) !== id - 1), 'some id lands on a YOLO class other than id - 1');
    assert.ok(ids.every((id) => yoloClassOfCocoId(id) !== undefined));

    let annotationIds = new Set<number>();
    for (const split of ['train2017', 'val2017'] as const) {
      const data = JSON.parse(readFileSync(join(dir, 'annotations', `instances_${split}.json`), 'utf8')) as Instances;
      assert.equal(data.images.length, split === 'train2017' ? 40 : 12);
      assert.deepEqual(data.categories.map((c) => c.id), ids);
      const imagesById = new Map(data.images.map((image) => [image.id, image]));
      for (const image of data.images.slice(0, 6)) {
        const metadata = await sharp(join(dir, split, image.file_name)).metadata();
        assert.deepEqual([metadata.format, metadata.width, metadata.height], ['jpeg', image.width, image.height]);
      }
      for (const annotation of data.annotations) {
        const image = imagesById.get(annotation.image_id)!;
        const [x, y, w, h] = annotation.bbox as [number, number, number, number];
        assert.ok(x >= 0 && y >= 0 && w >= 1 && h >= 1 && x + w <= image.width && y + h <= image.height, `box ${annotation.bbox} in ${image.width}x${image.height}`);
        assert.ok(annotation.area > 0 && annotation.area <= w * h);
        assert.equal(annotation.iscrowd, 0);
        assert.ok(ids.includes(annotation.category_id));
        assert.ok(annotation.segmentation[0]!.length >= 6);
        assert.ok(!annotationIds.has(annotation.id), 'annotation ids are unique across splits');
      }
      annotationIds = new Set([...annotationIds, ...data.annotations.map((a) => a.id)]);
      const withObjects = new Set(data.annotations.map((a) => a.image_id));
      assert.ok(data.images.some((image) => !withObjects.has(image.id)), `${split} has images without objects`);
      assert.equal(data.images.length - withObjects.size, result.splits[split].emptyImages);
    }
    const sizes = result.splits.train2017.bySize;
    assert.ok(sizes.small > 0 && sizes.medium > 0 && sizes.large > 0, JSON.stringify(sizes));
    const classesSeen = new Set(
      (JSON.parse(readFileSync(join(dir, 'annotations', 'instances_train2017.json'), 'utf8')) as Instances).annotations.map((a) => a.category_id),
    );
    assert.equal(classesSeen.size, shapeClasses.length, 'every class occurs');
  });
});

test('each box is the tight box of the visible pixels of the rendered image, occlusion and border included', async () => {
  for (let seed = 0; seed < 8; seed++) {
    const scene = planScene(new Random(seed), 160, 128, { maxObjects: 8, empty: false });
    const regions = await visibleRegions(scene);
    const background = await renderSceneRaw(withObjects(scene, []));
    // Adding the objects one at a time: the pixels object k changes, minus those later objects take over.
    const stages = [background];
    for (let k = 1; k <= scene.objects.length; k++) stages.push(await renderSceneRaw(withObjects(scene, scene.objects.slice(0, k))));
    const finalImage = stages.at(-1)!;
    scene.objects.forEach((_, index) => {
      const mine = changedPixels(stages[index]!, stages[index + 1]!, scene.width).map((changed, i) => {
        if (!changed) return false;
        // Still showing in the final image: no later object painted over this pixel.
        return stages.slice(index + 2).every((later, j) => !pixelDiffers(stages[index + 1 + j]!, later, i));
      });
      assert.deepEqual(boxOf(mine, scene.width), regions[index]!.bbox, `seed ${seed} object ${index} (${scene.objects[index]!.shape})`);
      assert.equal(mine.filter(Boolean).length, regions[index]!.area, `seed ${seed} object ${index} area`);
    });
    const drawn = changedPixels(background, finalImage, scene.width).filter(Boolean).length;
    assert.equal(regions.reduce((sum, region) => sum + region.area, 0), drawn, 'visible areas partition the drawn pixels');
  }
});

test('the planner’s coverage map agrees with librsvg up to a few edge pixels', async () => {
  for (let seed = 0; seed < 6; seed++) {
    const scene = planScene(new Random(seed), 160, 128, { maxObjects: 8, empty: false });
    const coverage = new CoverageMap(scene.width, scene.height);
    for (const object of scene.objects) coverage.paint(object.outline);
    const regions = await visibleRegions(scene);
    scene.objects.forEach((_, index) => {
      const planned = coverage.visiblePixels(index + 1);
      assert.ok(Math.abs(planned - regions[index]!.area) <= Math.max(3, 0.03 * planned), `seed ${seed} object ${index}: ${planned} vs ${regions[index]!.area}`);
    });
  }
});

function withObjects(scene: Scene, objects: Scene['objects']): Scene {
  return { ...scene, objects };
}

function changedPixels(before: Buffer, after: Buffer, width: number): boolean[] {
  const changed: boolean[] = [];
  for (let i = 0; i < before.length / 3; i++) changed.push(pixelDiffers(before, after, i));
  assert.equal(changed.length % width, 0);
  return changed;
}

function pixelDiffers(a: Buffer, b: Buffer, pixel: number): boolean {
  const i = pixel * 3;
  return a[i] !== b[i] || a[i + 1] !== b[i + 1] || a[i + 2] !== b[i + 2];
}

function boxOf(mask: boolean[], width: number): [number, number, number, number] | undefined {
  let minX = Infinity;
  let minY = Infinity;
  let maxX = -Infinity;
  let maxY = -Infinity;
  mask.forEach((on, i) => {
    if (!on) return;
    const x = i % width;
    const y = Math.floor(i / width);
    minX = Math.min(minX, x);
    maxX = Math.max(maxX, x);
    minY = Math.min(minY, y);
    maxY = Math.max(maxY, y);
  });
  return minX === Infinity ? undefined : [minX, minY, maxX - minX + 1, maxY - minY + 1];
}
