import sharp from 'sharp';
import type { Scene } from './scene.ts';
import { outlineSvg, svgDocument } from './shapes.ts';

export interface VisibleRegion {
  /** Tight box of the visible pixels [x, y, width, height]; undefined when nothing of the object shows. */
  bbox: [number, number, number, number] | undefined;
  /** Visible pixel count. */
  area: number;
}

/**
 * Ground truth measured on what is drawn: the scene's shapes are rendered once more by librsvg, with the
 * same geometry and no anti-aliasing but object k filled with the colour rgb(k, 0, 0), which gives the owner
 * of every pixel after occlusion and clipping. Boxes and areas are those of each object's visible pixels.
 */
export async function visibleRegions(scene: Scene): Promise<VisibleRegion[]> {
  return regionsOf(await renderOwners(scene), scene.width, scene.height, scene.objects.length);
}

/** Per pixel, 0 for background or k for the k-th object (1-based) as librsvg draws the scene. */
export async function renderOwners(scene: Scene): Promise<Uint8Array> {
  if (scene.objects.length > 255) throw new Error('a synthetic image holds at most 255 objects');
  const shapes = scene.objects.map((object, index) => outlineSvg(object.outline, `rgb(${index + 1},0,0)`)).join('');
  const svg = svgDocument(scene.width, scene.height, shapes);
  // Uncovered pixels are transparent black, so the red channel alone is the owner map.
  const owners = await sharp(Buffer.from(svg)).extractChannel('red').raw().toBuffer();
  return new Uint8Array(owners.buffer, owners.byteOffset, owners.length);
}

export function regionsOf(owners: Uint8Array, width: number, height: number, count: number): VisibleRegion[] {
  const minX = new Array<number>(count + 1).fill(Infinity);
  const minY = new Array<number>(count + 1).fill(Infinity);
  const maxX = new Array<number>(count + 1).fill(-Infinity);
  const maxY = new Array<number>(count + 1).fill(-Infinity);
  const area = new Array<number>(count + 1).fill(0);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const owner = owners[y * width + x]!;
      if (owner === 0 || owner > count) continue;
      area[owner]!++;
      if (x < minX[owner]!) minX[owner] = x;
      if (x > maxX[owner]!) maxX[owner] = x;
      if (y < minY[owner]!) minY[owner] = y;
      maxY[owner] = y;
    }
  }
  return Array.from({ length: count }, (_, index) => {
    const k = index + 1;
    const bbox: VisibleRegion['bbox'] = area[k]! > 0 ? [minX[k]!, minY[k]!, maxX[k]! - minX[k]! + 1, maxY[k]! - minY[k]! + 1] : undefined;
    return { bbox, area: area[k]! };
  });
}
