import sharp from 'sharp';
import { Random } from './random.ts';
import type { Background, Rgb, Scene } from './scene.ts';
import { outlineSvg, svgDocument } from './shapes.ts';

/** Renders a scene to JPEG. */
export async function renderSceneJpeg(scene: Scene, quality = 90): Promise<Buffer> {
  return composed(scene).jpeg({ quality }).toBuffer();
}

/** The same image as raw RGB, before JPEG (tests compare it with the ground truth pixel by pixel). */
export async function renderSceneRaw(scene: Scene): Promise<Buffer> {
  return composed(scene).removeAlpha().raw().toBuffer();
}

/** The background as raw pixels, the shapes as one SVG composited on top by sharp. */
function composed(scene: Scene): sharp.Sharp {
  return sharp(backgroundPixels(scene.background, scene.width, scene.height), {
    raw: { width: scene.width, height: scene.height, channels: 3 },
  }).composite([{ input: Buffer.from(shapesSvg(scene)), left: 0, top: 0 }]);
}

/** All shapes in painting order, in their colours and gradients. */
export function shapesSvg(scene: Scene): string {
  const defs: string[] = [];
  const bodies = scene.objects.map((object, index) => {
    let fill = rgbText(object.color);
    if (object.shade) {
      const dx = Math.cos(object.shadeAngle) / 2;
      const dy = Math.sin(object.shadeAngle) / 2;
      defs.push(
        `<linearGradient id="g${index}" x1="${fixed(0.5 - dx)}" y1="${fixed(0.5 - dy)}" x2="${fixed(0.5 + dx)}" y2="${fixed(0.5 + dy)}">` +
          `<stop offset="0" stop-color="${rgbText(object.color)}"/><stop offset="1" stop-color="${rgbText(object.shade)}"/></linearGradient>`,
      );
      fill = `url(#g${index})`;
    }
    return outlineSvg(object.outline, fill);
  });
  return svgDocument(scene.width, scene.height, `<defs>${defs.join('')}</defs>${bodies.join('')}`);
}

/** A linear gradient with blotchy low-frequency texture (bilinear value noise) and per-pixel grain. */
export function backgroundPixels(background: Background, width: number, height: number): Buffer {
  const random = new Random(background.textureSeed);
  const cell = 24;
  const gridWidth = Math.ceil(width / cell) + 2;
  const gridHeight = Math.ceil(height / cell) + 2;
  const grid = Float64Array.from({ length: gridWidth * gridHeight }, () => random.uniform(-1, 1) * background.blotches);
  // Per column: grid cell and weight, computed once instead of per pixel.
  const column = Int32Array.from({ length: width }, (_, x) => Math.floor(x / cell));
  const weight = Float64Array.from({ length: width }, (_, x) => x / cell - Math.floor(x / cell));
  const dirX = Math.cos(background.angle);
  const dirY = Math.sin(background.angle);
  // Project the corners to normalise the gradient position to [0, 1] over the image.
  const projections = [0, width * dirX, height * dirY, width * dirX + height * dirY];
  const low = Math.min(...projections);
  const span = Math.max(...projections) - low || 1;
  const { from, to, grain } = background;
  const pixels = new Uint8ClampedArray(width * height * 3); // clamps and rounds on store
  let state = random.int(1, 0x7fffffff); // xorshift32 for the grain: one call per pixel, kept inline
  let index = 0;
  for (let y = 0; y < height; y++) {
    const gy0 = Math.floor(y / cell);
    const fy = y / cell - gy0;
    const top = gy0 * gridWidth;
    const bottom = top + gridWidth;
    for (let x = 0; x < width; x++) {
      const gx0 = column[x]!;
      const fx = weight[x]!;
      const upper = grid[top + gx0]! + (grid[top + gx0 + 1]! - grid[top + gx0]!) * fx;
      const lower = grid[bottom + gx0]! + (grid[bottom + gx0 + 1]! - grid[bottom + gx0]!) * fx;
      state ^= state << 13;
      state ^= state >>> 17;
      state ^= state << 5;
      const offset = upper + (lower - upper) * fy + ((state >>> 0) / 2147483648 - 1) * grain;
      const t = (x * dirX + y * dirY - low) / span;
      pixels[index++] = from[0] + (to[0] - from[0]) * t + offset;
      pixels[index++] = from[1] + (to[1] - from[1]) * t + offset;
      pixels[index++] = from[2] + (to[2] - from[2]) * t + offset;
    }
  }
  return Buffer.from(pixels.buffer, pixels.byteOffset, pixels.byteLength);
}

function rgbText(color: Rgb): string {
  return `rgb(${color.map((c) => Math.round(c)).join(',')})`;
}

function fixed(value: number): string {
  return value.toFixed(4);
}
