import { readFile } from 'node:fs/promises';
import sharp from 'sharp';
import { UserError } from '../errors.ts';
import type { RawImage } from './resize-linear.ts';

/**
 * Decodes an image file to upright 8-bit RGB, matching what cv2.imread(IMREAD_COLOR) gives Ultralytics (then BGR->RGB):
 *  - EXIF orientation applied (cv2 does so by default);
 *  - embedded ICC profiles ignored (cv2 ignores them; sharp would otherwise convert to sRGB);
 *  - grayscale expanded to three equal channels; alpha dropped;
 *  - CMYK converted with OpenCV's own formula on the raw JPEG samples, not through a CMYK ICC profile.
 * sharp decodes on libuv's thread pool, so several decodes overlap with inference.
 */
export async function decodeImageRgb(path: string): Promise<RawImage> {
  let bytes: Buffer;
  try {
    bytes = await readFile(path);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new UserError(code === 'ENOENT' ? 'image file not found' : `cannot read image file (${code ?? String(error)})`, path);
  }
  if (bytes.length === 0) throw new UserError('image file is empty', path);
  try {
    const options = { autoOrient: true, ignoreIcc: true, failOn: 'truncated' } as const;
    // A JPEG's frame header says whether it is CMYK; only other formats need sharp's (second) header pass.
    const components = jpegComponentCount(bytes);
    const cmyk = components === null ? (await sharp(bytes, options).metadata()).space === 'cmyk' : components === 4;
    if (cmyk) {
      const { data, info } = await sharp(bytes, options)
        .pipelineColourspace('cmyk')
        .toColourspace('cmyk')
        .raw({ depth: 'uchar' })
        .toBuffer({ resolveWithObject: true });
      if (info.channels !== 4) throw new Error(`CMYK image decoded to ${info.channels} channels, expected 4`);
      return { data: cmykToRgb(data, hasAdobeMarker(bytes)), width: info.width, height: info.height, channels: 3 };
    }
    const { data, info } = await sharp(bytes, options)
      .toColourspace('srgb')
      .removeAlpha()
      .raw({ depth: 'uchar' })
      .toBuffer({ resolveWithObject: true });
    if (info.channels !== 3) throw new Error(`decoded to ${info.channels} channels, expected 3`);
    return {
      data: new Uint8Array(data.buffer, data.byteOffset, data.length),
      width: info.width,
      height: info.height,
      channels: 3,
    };
  } catch (error) {
    throw new UserError(`cannot decode image (corrupt or unsupported): ${(error as Error).message}`, path);
  }
}

/**
 * OpenCV's CMYK->BGR on libjpeg's raw samples: channel = k - ((255 - v) * k >> 8). libvips hands out Adobe (inverted)
 * CMYK already re-inverted, so undo that first to get libjpeg's samples back.
 */
export function cmykToRgb(cmyk: Uint8Array, adobeInverted: boolean): Uint8Array {
  const pixels = cmyk.length / 4;
  const out = new Uint8Array(pixels * 3);
  for (let p = 0; p < pixels; p++) {
    const at = (i: number): number => (adobeInverted ? 255 - cmyk[p * 4 + i]! : cmyk[p * 4 + i]!);
    const k = at(3);
    for (let c = 0; c < 3; c++) out[p * 3 + c] = k - (((255 - at(c)) * k) >> 8);
  }
  return out;
}

/**
 * The number of colour components in a JPEG's start-of-frame header (1 gray, 3 YCbCr/RGB, 4 CMYK/YCCK), or null for
 * a file that is not a JPEG or whose header cannot be found (sharp then decides, and reports a corrupt file).
 */
export function jpegComponentCount(jpeg: Uint8Array): number | null {
  if (jpeg.length < 4 || jpeg[0] !== 0xff || jpeg[1] !== 0xd8) return null;
  let i = 2;
  while (i + 4 <= jpeg.length && jpeg[i] === 0xff) {
    const marker = jpeg[i + 1]!;
    if (marker === 0xff) {
      i += 1; // fill byte
      continue;
    }
    if (marker === 0xda || marker === 0xd9) return null; // scan data before any frame header
    const length = (jpeg[i + 2]! << 8) | jpeg[i + 3]!;
    // SOF0..SOF15 except DHT (C4), JPG (C8) and DAC (CC): length, precision, height, width, components.
    if (marker >= 0xc0 && marker <= 0xcf && marker !== 0xc4 && marker !== 0xc8 && marker !== 0xcc) return i + 9 < jpeg.length ? jpeg[i + 9]! : null;
    i += 2 + length;
  }
  return null;
}

/** Whether a JPEG carries an Adobe APP14 segment (which is what makes libjpeg readers treat CMYK as inverted). */
export function hasAdobeMarker(jpeg: Uint8Array): boolean {
  let i = 2; // after SOI
  while (i + 4 <= jpeg.length && jpeg[i] === 0xff) {
    const marker = jpeg[i + 1]!;
    if (marker === 0xda || marker === 0xd9) return false; // start of scan / end of image: no more headers
    const length = (jpeg[i + 2]! << 8) | jpeg[i + 3]!;
    if (marker === 0xee && length >= 7 && String.fromCharCode(...jpeg.subarray(i + 4, i + 9)) === 'Adobe') return true;
    i += 2 + length;
  }
  return false;
}
