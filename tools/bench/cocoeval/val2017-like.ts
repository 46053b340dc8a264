import { open } from 'node:fs/promises';
import { seededRandom, type SeededRandom } from '../../../libs/eval/testing/coco/seeded-random.ts';

/**
 * A synthetic case shaped like COCO val2017 scored by a detector that keeps 300 boxes per image:
 * 5,000 images, ~36,000 ground-truth boxes over the 80 COCO category ids (person-heavy, ~1% crowd,
 * small/medium/large roughly 41/34/25%), and per image a few good detections near each object plus
 * low-score clutter, with scores rounded to 5 decimals and boxes to 3 (as Ultralytics writes them).
 */
export interface Val2017LikeOptions {
  readonly images: number;
  readonly detectionsPerImage: number;
  readonly meanObjectsPerImage: number;
  readonly seed: number;
}

export const VAL2017_LIKE: Val2017LikeOptions = { images: 5000, detectionsPerImage: 300, meanObjectsPerImage: 7.2, seed: 2017 };

const COCO_CATEGORY_IDS = [
  1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25, 27, 28, 31, 32, 33, 34, 35, 36, 37, 38, 39,
  40, 41, 42, 43, 44, 46, 47, 48, 49, 50, 51, 52, 53, 54, 55, 56, 57, 58, 59, 60, 61, 62, 63, 64, 65, 67, 70, 72, 73, 74, 75, 76,
  77, 78, 79, 80, 81, 82, 84, 85, 86, 87, 88, 89, 90,
];

export interface GeneratedCase {
  readonly groundTruth: number;
  readonly crowd: number;
  readonly detections: number;
}

/** Writes instances.json and results.json; returns what it wrote. Deterministic for a given seed. */
export async function writeVal2017Like(instancesPath: string, resultsPath: string, options: Val2017LikeOptions = VAL2017_LIKE): Promise<GeneratedCase> {
  const random = seededRandom(options.seed);
  const weights = COCO_CATEGORY_IDS.map((id) => (id === 1 ? 25 : random.uniform(0.2, 3)));
  const pickCategory = weightedPicker(random, COCO_CATEGORY_IDS, weights);
  // Object counts are floor(exponential): a geometric distribution whose mean is the option.
  const exponentialMean = 1 / Math.log(1 + 1 / options.meanObjectsPerImage);

  const images: string[] = [];
  const annotations: string[] = [];
  const results = await open(resultsPath, 'w');
  await results.write('[');
  let crowd = 0;
  let detections = 0;
  let chunk: string[] = [];
  const flush = async (): Promise<void> => {
    if (chunk.length === 0) return;
    await results.write(`${detections > chunk.length ? ',' : ''}${chunk.join(',')}`);
    chunk = [];
  };

  for (let i = 0; i < options.images; i++) {
    const imageId = 100_000 + i * 7;
    const width = random.pick([640, 640, 500, 480]);
    const height = random.pick([480, 427, 640, 375]);
    images.push(JSON.stringify({ id: imageId, width, height, file_name: `${String(imageId).padStart(12, '0')}.jpg` }));

    const objects = Math.min(60, Math.floor(-Math.log(1 - random.next()) * exponentialMean));
    const boxes: { box: number[]; category: number }[] = [];
    for (let j = 0; j < objects; j++) {
      const category = pickCategory();
      const box = objectBox(random, width, height);
      const isCrowd = random.chance(0.01) ? 1 : 0;
      crowd += isCrowd;
      const area = round(box[2]! * box[3]! * random.uniform(0.55, 0.9), 2);
      annotations.push(
        JSON.stringify({ id: annotations.length + 1, image_id: imageId, category_id: category, bbox: box, area, iscrowd: isCrowd }),
      );
      boxes.push({ box, category });
    }

    let kept = 0;
    const emit = (category: number, box: number[], score: number): void => {
      chunk.push(JSON.stringify({ image_id: imageId, category_id: category, bbox: box.map((v) => round(v, 3)), score: round(score, 5) }));
      kept++;
      detections++;
    };
    for (const { box, category } of boxes) {
      const near = random.int(1, 4);
      for (let k = 0; k < near && kept < options.detectionsPerImage; k++) {
        const [x, y, w, h] = box as [number, number, number, number];
        const jitter = k === 0 ? 0.08 : 0.3;
        const jittered = [x + random.uniform(-jitter, jitter) * w, y + random.uniform(-jitter, jitter) * h, w * random.uniform(1 - jitter, 1 + jitter), h * random.uniform(1 - jitter, 1 + jitter)];
        emit(random.chance(0.9) ? category : pickCategory(), jittered, k === 0 ? random.uniform(0.3, 0.97) : random.uniform(0.05, 0.6));
      }
    }
    while (kept < options.detectionsPerImage) emit(pickCategory(), objectBox(random, width, height), Math.min(0.5, -Math.log(1 - random.next()) * 0.03));
    if (chunk.length >= 30_000) await flush();
  }
  await flush();
  await results.write(']');
  await results.close();

  const categories = COCO_CATEGORY_IDS.map((id) => JSON.stringify({ id, name: `category-${id}`, supercategory: 'synthetic' }));
  const instances = await open(instancesPath, 'w');
  await instances.write(`{"images":[${images.join(',')}],"annotations":[${annotations.join(',')}],"categories":[${categories.join(',')}]}`);
  await instances.close();
  return { groundTruth: annotations.length, crowd, detections };
}

/** A box whose size class is small, medium or large about 41/34/25% of the time, inside the image. */
function objectBox(random: SeededRandom, width: number, height: number): number[] {
  const roll = random.next();
  const side = roll < 0.41 ? random.uniform(4, 32) : roll < 0.75 ? random.uniform(32, 96) : random.uniform(96, 400);
  const aspect = Math.exp(random.uniform(-0.9, 0.9));
  const w = Math.min(width, side * Math.sqrt(aspect));
  const h = Math.min(height, side / Math.sqrt(aspect));
  return [round(random.uniform(0, width - w), 2), round(random.uniform(0, height - h), 2), round(w, 2), round(h, 2)];
}

function weightedPicker(random: SeededRandom, items: readonly number[], weights: readonly number[]): () => number {
  const total = weights.reduce((sum, w) => sum + w, 0);
  let running = 0;
  const cumulative = weights.map((w) => (running += w / total));
  return () => {
    const u = random.next();
    const index = cumulative.findIndex((c) => u < c);
    return items[index === -1 ? items.length - 1 : index]!;
  };
}

function round(value: number, digits: number): number {
  const scale = 10 ** digits;
  return Math.round(value * scale) / scale;
}
