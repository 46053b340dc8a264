import { closeSync, openSync, writeSync } from 'node:fs';

/**
 * Writes a COCO instances file shaped like instances_train2017.json (118k images, 860k annotations,
 * ~450 MB): image records with COCO's fields, polygon segmentations of realistic length (long-tailed,
 * 27 points on average), ~1% crowd annotations with RLE counts, 80 categories with COCO's ids, and a few
 * degenerate boxes. Deterministic: the same arguments give the same bytes.
 */
export interface InstancesShape {
  images: number;
  annotations: number;
  seed?: number;
}

export function writeInstancesFile(path: string, shape: InstancesShape): { bytes: number } {
  const random = lcg(shape.seed ?? 1);
  const fd = openSync(path, 'w');
  let pending = '';
  let bytes = 0;
  const emit = (text: string): void => {
    pending += text;
    if (pending.length > 1 << 20) flush();
  };
  const flush = (): void => {
    bytes += writeSync(fd, pending);
    pending = '';
  };

  const sizes: Array<[number, number]> = [];
  emit('{"info": {"description": "COCO-scale benchmark (generated)","version": "1.0","year": 2017},"licenses": [{"url": "http://creativecommons.org/licenses/by-nc-sa/2.0/","id": 1,"name": "Attribution-NonCommercial-ShareAlike License"}],"images": [');
  for (let i = 0; i < shape.images; i++) {
    const width = 320 + Math.floor(random() * 321);
    const height = 240 + Math.floor(random() * 401);
    sizes.push([width, height]);
    const id = i + 1;
    const name = `${String(id).padStart(12, '0')}.jpg`;
    emit(
      `${i ? ',' : ''}{"license": ${1 + Math.floor(random() * 8)},"file_name": "${name}","coco_url": "http://images.cocodataset.org/train2017/${name}","height": ${height},"width": ${width},"date_captured": "2013-11-14 11:18:45","flickr_url": "http://farm6.staticflickr.com/5176/${name}","id": ${id}}`,
    );
  }
  emit('],"annotations": [');
  for (let i = 0; i < shape.annotations; i++) {
    const imageIndex = Math.floor(random() * shape.images);
    const [width, height] = sizes[imageIndex]!;
    const w = round2(1 + random() * (width - 1) * 0.6);
    const h = round2(random() < 0.002 ? 0 : 1 + random() * (height - 1) * 0.6);
    const x = round2(random() * (width - w));
    const y = round2(random() * (height - h));
    const crowd = random() < 0.01;
    const segmentation = crowd ? rle(random, width, height) : polygon(random, x, y, w, h);
    const category = cocoIds[Math.floor(random() * cocoIds.length)]!;
    emit(
      `${i ? ',' : ''}{"segmentation": ${segmentation},"area": ${w * h * (0.5 + random() * 0.4)},"iscrowd": ${crowd ? 1 : 0},"image_id": ${imageIndex + 1},"bbox": [${x},${y},${w},${h}],"category_id": ${category},"id": ${i + 1}}`,
    );
  }
  emit('],"categories": [');
  emit(cocoIds.map((id) => `{"supercategory": "thing","id": ${id},"name": "class${id}"}`).join(','));
  emit(']}');
  flush();
  closeSync(fd);
  return { bytes };
}

/** A polygon around the box with a long-tailed number of points (27 on average, sometimes hundreds). */
function polygon(random: () => number, x: number, y: number, w: number, h: number): string {
  const points = 4 + Math.floor(-Math.log(1 - random()) * 23);
  const coordinates: number[] = [];
  for (let k = 0; k < points; k++) {
    const angle = (2 * Math.PI * k) / points;
    coordinates.push(round2(x + (w / 2) * (1 + Math.cos(angle) * (0.7 + 0.3 * random()))));
    coordinates.push(round2(y + (h / 2) * (1 + Math.sin(angle) * (0.7 + 0.3 * random()))));
  }
  return `[[${coordinates.join(',')}]]`;
}

function rle(random: () => number, width: number, height: number): string {
  const runs = 20 + Math.floor(random() * 200);
  const counts: number[] = [];
  for (let k = 0; k < runs; k++) counts.push(Math.floor(random() * 400));
  return `{"counts": [${counts.join(',')}],"size": [${height},${width}]}`;
}

function round2(value: number): number {
  return Math.round(value * 100) / 100;
}

function lcg(seed: number): () => number {
  let state = seed >>> 0 || 1;
  return () => {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    return state / 4294967296;
  };
}

const cocoIds = [
  1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25, 27, 28, 31, 32, 33, 34, 35, 36, 37, 38,
  39, 40, 41, 42, 43, 44, 46, 47, 48, 49, 50, 51, 52, 53, 54, 55, 56, 57, 58, 59, 60, 61, 62, 63, 64, 65, 67, 70, 72, 73, 74, 75,
  76, 77, 78, 79, 80, 81, 82, 84, 85, 86, 87, 88, 89, 90,
];
