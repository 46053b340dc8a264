import { CoverageMap } from './coverage.ts';
import type { Random } from './random.ts';
import { shapeClasses, shapeOutline, unitArea, type Outline, type ShapeName } from './shapes.ts';

export type Rgb = [number, number, number];

export interface Background {
  /** Linear gradient from `from` to `to` along `angle` (radians). */
  from: Rgb;
  to: Rgb;
  angle: number;
  /** Amplitude of the blotchy low-frequency texture and of the per-pixel grain, in 8-bit levels. */
  blotches: number;
  grain: number;
  /** Seed of the texture's own random stream. */
  textureSeed: number;
}

export interface SceneObject {
  shape: ShapeName;
  outline: Outline;
  /** Solid colour, or a gradient between two shades when `shade` is set. */
  color: Rgb;
  shade: Rgb | undefined;
  shadeAngle: number;
}

export interface Scene {
  width: number;
  height: number;
  background: Background;
  objects: SceneObject[];
}

/** COCO's area ranges: small < 32², medium < 96², large beyond. */
const sizeRanges = {
  small: [8 * 8, 32 * 32],
  medium: [32 * 32, 96 * 96],
  large: [96 * 96, 360 * 360],
} as const;

export interface SceneOptions {
  maxObjects: number;
  empty: boolean;
}

/**
 * Lays out one image: a textured gradient background and up to `maxObjects` shapes of random class, size
 * (small, medium and large by COCO's area ranges), rotation and colour. Shapes may overlap and run off the
 * image, but a placement is rejected when it would hide more than half of an earlier shape or leave less
 * than 60% of itself inside the image, so every ground-truth object stays recognisable. The boxes and
 * areas are measured on the rendered result (ground-truth.ts).
 */
export function planScene(random: Random, width: number, height: number, options: SceneOptions): Scene {
  const background = planBackground(random);
  const backgroundLuma = luma(mix(background.from, background.to, 0.5));
  if (options.empty) return { width, height, background, objects: [] };

  const coverage = new CoverageMap(width, height);
  const wanted = random.int(1, options.maxObjects);
  const objects: SceneObject[] = [];
  const paintedPixels: number[] = [];
  for (let attempt = 0; attempt < wanted * 8 && objects.length < wanted; attempt++) {
    const shape = random.pick(shapeClasses).name;
    const [low, high] = sizeRanges[random.pick(['small', 'small', 'medium', 'medium', 'large'] as const)];
    const area = Math.min(Math.exp(random.uniform(Math.log(low), Math.log(high))), 0.35 * width * height);
    const r = Math.sqrt(area / unitArea(shape));
    const outline = shapeOutline(shape, random.uniform(0, width), random.uniform(0, height), r, random.uniform(0, 2 * Math.PI));
    const before = coverage.snapshot();
    const { painted } = coverage.paint(outline);
    const keepsEarlierVisible = paintedPixels.every((pixels, index) => coverage.visiblePixels(index + 1) >= 0.5 * pixels);
    if (painted < 0.6 * area || painted < 16 || !keepsEarlierVisible) {
      coverage.restore(before);
      continue;
    }
    const color = contrastingColor(random, backgroundLuma);
    const shade = random.chance(0.5) ? darker(color, random.uniform(0.55, 0.8)) : undefined;
    objects.push({ shape, outline, color, shade, shadeAngle: random.uniform(0, 2 * Math.PI) });
    paintedPixels.push(painted);
  }
  return { width, height, background, objects };
}

function planBackground(random: Random): Background {
  const base = hsv(random.uniform(0, 360), random.uniform(0.05, 0.45), random.uniform(0.25, 0.85));
  const other = hsv(random.uniform(0, 360), random.uniform(0.05, 0.45), random.uniform(0.25, 0.85));
  return {
    from: base,
    to: other,
    angle: random.uniform(0, 2 * Math.PI),
    blotches: random.uniform(0, 40),
    grain: random.uniform(0, 14),
    textureSeed: random.int(0, 0x7fffffff),
  };
}

/** A saturated colour whose brightness differs clearly from the background's. */
function contrastingColor(random: Random, backgroundLuma: number): Rgb {
  let color = hsv(random.uniform(0, 360), random.uniform(0.55, 1), random.uniform(0.35, 1));
  for (let tries = 0; tries < 8 && Math.abs(luma(color) - backgroundLuma) < 60; tries++) {
    color = hsv(random.uniform(0, 360), random.uniform(0.55, 1), random.uniform(0.35, 1));
  }
  if (Math.abs(luma(color) - backgroundLuma) < 60) color = backgroundLuma > 128 ? darker(color, 0.3) : hsv(random.uniform(0, 360), 0.6, 1);
  return color;
}

export function hsv(hue: number, saturation: number, value: number): Rgb {
  const c = value * saturation;
  const h = (hue % 360) / 60;
  const x = c * (1 - Math.abs((h % 2) - 1));
  const [r, g, b] = h < 1 ? [c, x, 0] : h < 2 ? [x, c, 0] : h < 3 ? [0, c, x] : h < 4 ? [0, x, c] : h < 5 ? [x, 0, c] : [c, 0, x];
  const m = value - c;
  return [Math.round((r + m) * 255), Math.round((g + m) * 255), Math.round((b + m) * 255)];
}

export function mix(a: Rgb, b: Rgb, t: number): Rgb {
  return [a[0] + (b[0] - a[0]) * t, a[1] + (b[1] - a[1]) * t, a[2] + (b[2] - a[2]) * t];
}

function darker(color: Rgb, factor: number): Rgb {
  return [Math.round(color[0] * factor), Math.round(color[1] * factor), Math.round(color[2] * factor)];
}

function luma([r, g, b]: Rgb): number {
  return 0.299 * r + 0.587 * g + 0.114 * b;
}
