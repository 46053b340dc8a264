import { seededRandom, type SeededRandom } from './seeded-random.ts';
import type { CocoAnnotation, CocoCategory, CocoInstances, CocoResult } from '../../src/coco/types.ts';

/**
 * Small random COCO cases that hit pycocotools' corner cases: crowd regions, areas on the small/medium/large
 * boundaries, more than 100 detections in one image and category, a category without ground truth, images
 * without detections or without ground truth, tied scores, zero-area boxes, exact IoU ties and ids in
 * shuffled order. Test support for the parity tests.
 */
export interface CocoCase {
  readonly instances: CocoInstances;
  readonly results: CocoResult[];
}

export function randomCocoCase(seed: number): CocoCase {
  const random = seededRandom(seed);
  const categories = randomCategories(random);
  const gtCategories = categories.slice(1); // the first category never has ground truth
  const images = random.shuffle(distinctInts(random, random.int(20, 50), 1, 1_000_000)).map((id) => ({ id }));
  const annotationIds = random.shuffle(distinctInts(random, 1000, 1, 10_000_000));
  const annotations: CocoAnnotation[] = [];
  const results: CocoResult[] = [];
  const denseImage = random.pick(images).id;

  // Little clutter gives high APs, much gives low ones: both shapes of precision curve get exercised.
  const maxClutter = random.pick([3, 30]);
  for (const image of images) {
    const dense = image.id === denseImage;
    const gtCount = random.chance(0.2) && !dense ? 0 : random.int(1, 14);
    const own: CocoAnnotation[] = [];
    for (let i = 0; i < gtCount && annotations.length < annotationIds.length; i++) {
      const id = annotationIds[annotations.length]!;
      // Overlapping ground truth of one category, some of it crowd or in another area range, is where the
      // rule "ignored ground truth only matches while nothing else has" decides matches.
      const annotation =
        own.length > 0 && random.chance(0.3)
          ? overlappingAnnotation(random, id, random.pick(own))
          : randomAnnotation(random, id, image.id, random.pick(gtCategories).id);
      annotations.push(annotation);
      own.push(annotation);
    }
    if (random.chance(0.15) && !dense) continue; // an image without detections
    for (const annotation of own) results.push(...detectionsNear(random, annotation, categories));
    const clutter = random.int(0, maxClutter);
    for (let i = 0; i < clutter; i++) {
      results.push({ image_id: image.id, category_id: random.pick(categories).id, bbox: randomBox(random), score: randomScore(random) });
    }
    if (dense && own.length > 0) {
      // More than 100 detections of one category in one image: only the best 100 are evaluated.
      const target = random.pick(own);
      for (let i = 0; i < 130; i++) results.push(...detectionsNear(random, target, [{ id: target.category_id, name: '' }]));
    }
  }
  return { instances: { images, annotations: random.shuffle(annotations), categories }, results: random.shuffle(results) };
}

function randomCategories(random: SeededRandom): CocoCategory[] {
  return distinctInts(random, random.int(4, 7), 1, 90).map((id) => ({ id, name: `category-${id}` }));
}

function randomAnnotation(random: SeededRandom, id: number, imageId: number, categoryId: number): CocoAnnotation {
  const bbox = random.chance(0.04) ? zeroAreaBox(random) : randomBox(random);
  const boxArea = bbox[2]! * bbox[3]!;
  const roll = random.next();
  // Segment areas are usually below the box area; some sit exactly on the range boundaries (both inclusive).
  const area = roll < 0.1 ? random.pick([0, 32 ** 2, 96 ** 2]) : roll < 0.4 ? boxArea : boxArea * random.uniform(0.3, 1);
  return { id, image_id: imageId, category_id: categoryId, bbox, area, iscrowd: random.chance(0.1) ? 1 : 0 };
}

function overlappingAnnotation(random: SeededRandom, id: number, near: CocoAnnotation): CocoAnnotation {
  const [x, y, w, h] = near.bbox as [number, number, number, number];
  const shift = (v: number, scale: number): number => Math.round(v + random.uniform(-0.2, 0.2) * scale);
  const bbox = [shift(x, w), shift(y, h), Math.max(0, shift(w, w)), Math.max(0, shift(h, h))];
  const area = random.chance(0.5) ? bbox[2]! * bbox[3]! : random.pick([16 ** 2, 64 ** 2, 128 ** 2]);
  return { id, image_id: near.image_id, category_id: near.category_id, bbox, area, iscrowd: random.chance(0.3) ? 1 : 0 };
}

/** Boxes of small, medium and large size; integer coordinates half of the time so IoUs hit thresholds exactly. */
function randomBox(random: SeededRandom): number[] {
  const side = (): number => random.pick([random.uniform(1, 32), random.uniform(32, 96), random.uniform(96, 400)]);
  const box = [random.uniform(0, 600), random.uniform(0, 450), side(), side()];
  return random.chance(0.5) ? box.map(Math.round) : box.map((v) => Math.round(v * 100) / 100);
}

function zeroAreaBox(random: SeededRandom): number[] {
  const box = randomBox(random);
  box[random.int(2, 3)] = 0;
  return box;
}

function detectionsNear(random: SeededRandom, annotation: CocoAnnotation, categories: readonly CocoCategory[]): CocoResult[] {
  const detections: CocoResult[] = [];
  const count = random.int(0, 3);
  for (let i = 0; i < count; i++) {
    const [x, y, w, h] = annotation.bbox as [number, number, number, number];
    const kind = random.next();
    let bbox: number[];
    if (kind < 0.15) bbox = [x, y, w, h]; // a perfect box (IoU 1)
    else if (kind < 0.3) bbox = [x, y, w, h / 2]; // IoU exactly .5 against a plain box
    else if (kind < 0.35) bbox = zeroAreaBox(random);
    else {
      const jitter = (v: number, scale: number): number => Math.round((v + random.uniform(-0.25, 0.25) * scale) * 10) / 10;
      bbox = [jitter(x, w), jitter(y, h), Math.max(0, jitter(w, w)), Math.max(0, jitter(h, h))];
    }
    const categoryId = random.chance(0.85) ? annotation.category_id : random.pick(categories).id;
    detections.push({ image_id: annotation.image_id, category_id: categoryId, bbox, score: randomScore(random) });
  }
  return detections;
}

/** Scores on a coarse grid most of the time, so ties are common; a few negative or exactly 0 or 1. */
function randomScore(random: SeededRandom): number {
  const roll = random.next();
  if (roll < 0.5) return Math.round(random.next() * 20) / 20;
  if (roll < 0.55) return random.pick([0, 1, -0.5]);
  return random.next();
}

function distinctInts(random: SeededRandom, count: number, min: number, max: number): number[] {
  const seen = new Set<number>();
  while (seen.size < count) seen.add(random.int(min, max));
  return [...seen];
}
