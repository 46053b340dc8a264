import {
  inverseLetterbox,
  letterboxGeometry,
  valInverseLetterbox,
  valLetterboxGeometry,
  type InverseLetterbox,
  type LetterboxGeometry,
} from './letterbox-geometry.ts';
import { resizeBilinear, resizeBilinearRows, type RawImage } from './resize-linear.ts';
import type { LetterboxStyle } from '../config/choices.ts';

/** Ultralytics' letterbox fill colour (gray 114 in every channel). */
export const PAD_VALUE = 114;

/**
 * How an image becomes the square model input (the styles are conf/preprocess.yaml's, config/choices.ts):
 *  - 'predict': Ultralytics' predictor, one resize to fit (sizes rounded to nearest) and padding;
 *  - 'val': Ultralytics' val dataloader, the long side resized to imgsz (sizes rounded up) and then padded.
 * The two differ by a pixel of scale on some images; 'val' is what the trainings' own mAP (results.csv) is measured with.
 */
export type { LetterboxStyle };

/** v / 255 as float32, like torch's `img.float() / 255`, for every byte value. */
const UNIT = Float32Array.from({ length: 256 }, (_, v) => v / 255);

export interface LetterboxedImage {
  /** RGB, values / 255, planar CHW float32 of shape [3, imgsz, imgsz]. */
  readonly tensor: Float32Array;
  /** Where the (resized) image sits inside the input. */
  readonly geometry: LetterboxGeometry;
  /** What maps boxes back to original pixels, as the matching Ultralytics code path derives it. */
  readonly inverse: InverseLetterbox;
}

/**
 * Resizes (cv2 INTER_LINEAR, bit-exact) and pads an RGB image into the square model input the way the chosen
 * Ultralytics code path does, then lays it out as normalised CHW float32. `out` may be a preallocated buffer of
 * 3*imgsz^2 (for example one image's slice of a batch).
 */
export function letterbox(image: RawImage, imgsz: number, style: LetterboxStyle = 'predict', out?: Float32Array): LetterboxedImage {
  if (image.channels !== 3) throw new Error(`letterbox: expected an RGB image, got ${image.channels} channels`);
  const tensor = out ?? new Float32Array(3 * imgsz * imgsz);
  if (tensor.length !== 3 * imgsz * imgsz) throw new Error(`letterbox: output buffer has ${tensor.length} values, expected ${3 * imgsz * imgsz}`);
  if (style === 'predict') {
    const geometry = letterboxGeometry(image.width, image.height, imgsz);
    placeResized(image, geometry, tensor);
    return { tensor, geometry, inverse: inverseLetterbox(imgsz, imgsz, image.width, image.height) };
  }
  const val = valLetterboxGeometry(image.width, image.height, imgsz);
  const loaded = val.first.width === image.width && val.first.height === image.height ? image : resizeBilinear(image, val.first.width, val.first.height);
  placeResized(loaded, val.second, tensor);
  return { tensor, geometry: val.second, inverse: valInverseLetterbox(val, image.width, image.height) };
}

/**
 * Resizes the image to the geometry's size and writes it, row by row as the resize produces them, into the padded
 * planar float tensor (no intermediate resized image).
 */
function placeResized(image: RawImage, geometry: LetterboxGeometry, tensor: Float32Array): void {
  const { imgsz, newWidth: width, newHeight: height, top, left } = geometry;
  const plane = imgsz * imgsz;
  fillPadding(tensor, geometry);
  resizeBilinearRows(image, width, height, (y, row) => {
    const r = (y + top) * imgsz + left;
    const g = plane + r;
    const b = 2 * plane + r;
    for (let x = 0, i = 0; x < width; x++, i += 3) {
      tensor[r + x] = UNIT[row[i]!]!;
      tensor[g + x] = UNIT[row[i + 1]!]!;
      tensor[b + x] = UNIT[row[i + 2]!]!;
    }
  });
}

/** Sets every value outside the image's rectangle to the pad colour, in all three planes. */
function fillPadding(tensor: Float32Array, geometry: LetterboxGeometry): void {
  const { imgsz, newWidth: width, newHeight: height, top, left } = geometry;
  const pad = UNIT[PAD_VALUE]!;
  const plane = imgsz * imgsz;
  for (let c = 0; c < 3; c++) {
    const base = c * plane;
    tensor.fill(pad, base, base + top * imgsz);
    for (let y = top; y < top + height; y++) {
      const row = base + y * imgsz;
      tensor.fill(pad, row, row + left);
      tensor.fill(pad, row + left + width, row + imgsz);
    }
    tensor.fill(pad, base + (top + height) * imgsz, base + plane);
  }
}
