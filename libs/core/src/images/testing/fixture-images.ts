import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import sharp from 'sharp';

/** Deterministic RGB content with edges, gradients and noise, so decoders and resamplers have something to disagree on. */
export function syntheticRgb(width: number, height: number, seed: number): Buffer {
  const px = Buffer.alloc(width * height * 3);
  let s = seed >>> 0;
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      s = (s * 1664525 + 1013904223) >>> 0;
      const noise = s >>> 27;
      const i = (y * width + x) * 3;
      const box = x > width / 4 && x < width / 2 && y > height / 3 && y < (2 * height) / 3;
      px[i] = box ? 230 : ((x * 255) / width + noise) & 255;
      px[i + 1] = box ? 40 : ((y * 255) / height + noise) & 255;
      px[i + 2] = (((x + y) * 3) ^ noise) & 255;
    }
  }
  return px;
}

/**
 * Writes JPEGs covering what real datasets contain: chroma subsampling variants, progressive, grayscale, EXIF
 * orientations, an embedded ICC profile and CMYK. Returns their paths.
 */
export async function writeFixtureJpegs(dir: string): Promise<string[]> {
  const make = (w: number, h: number, seed: number) => sharp(syntheticRgb(w, h, seed), { raw: { width: w, height: h, channels: 3 } });
  const files: [string, Promise<Buffer>][] = [
    ['photo-640x480.jpg', make(640, 480, 1).jpeg({ quality: 90 }).toBuffer()],
    ['portrait-427x640-444.jpg', make(427, 640, 2).jpeg({ quality: 75, chromaSubsampling: '4:4:4' }).toBuffer()],
    ['small-333x500-progressive.jpg', make(333, 500, 3).jpeg({ quality: 85, progressive: true }).toBuffer()],
    ['gray-200x150.jpg', make(200, 150, 4).grayscale().jpeg().toBuffer()],
    ['exif6-160x90.jpg', make(160, 90, 5).jpeg().withMetadata({ orientation: 6 }).toBuffer()],
    ['exif3-121x77.jpg', make(121, 77, 6).jpeg().withMetadata({ orientation: 3 }).toBuffer()],
    ['exif5-99x70.jpg', make(99, 70, 7).jpeg().withMetadata({ orientation: 5 }).toBuffer()],
    ['p3-icc-150x100.jpg', make(150, 100, 8).jpeg().withIccProfile('p3').toBuffer()],
    ['cmyk-130x90.jpg', make(130, 90, 9).toColourspace('cmyk').jpeg().toBuffer()],
    ['thin-900x3.jpg', make(900, 3, 10).jpeg().toBuffer()],
  ];
  const paths: string[] = [];
  for (const [name, bytes] of files) {
    const path = join(dir, name);
    await writeFile(path, await bytes);
    paths.push(path);
  }
  return paths;
}
