import { letterboxGeometry, type LetterboxGeometry } from './geometry.ts';
import { resizeBilinear, type RawImage } from './resize-linear.ts';

/** Ultralytics' letterbox fill colour (gray 114 in every channel). */
export const PAD_VALUE = 114;

/** v / 255 as float32, like torch's `img.float() / 255`, for every byte value. */
const UNIT = Float32Array.from({ length: 256 }, (_, v) => v / 255);

export interface LetterboxedImage {
  /** RGB, values / 255, planar CHW float32 of shape [3, imgsz, imgsz]. */
  readonly tensor: Float32Array;
  readonly geometry: LetterboxGeometry;
}

/**
 * Resizes (cv2 INTER_LINEAR, bit-exact) and pads an RGB image into the square model input the way Ultralytics'
 * LetterBox does, then lays it out as normalised CHW float32. `out` may be a preallocated buffer of 3*imgsz^2.
 */
export function letterbox(image: RawImage, imgsz: number, out?: Float32Array): LetterboxedImage {
  if (image.channels !== 3) throw new Error(`letterbox: expected an RGB image, got ${image.channels} channels`);
  const geometry = letterboxGeometry(image.width, image.height, imgsz);
  const resized = resizeBilinear(image, geometry.newWidth, geometry.newHeight);
  const plane = imgsz * imgsz;
  const tensor = out ?? new Float32Array(3 * plane);
  if (tensor.length !== 3 * plane) throw new Error(`letterbox: output buffer has ${tensor.length} values, expected ${3 * plane}`);
  tensor.fill(UNIT[PAD_VALUE]!);
  const { data, width } = resized;
  for (let y = 0; y < resized.height; y++) {
    const rowOut = (y + geometry.top) * imgsz + geometry.left;
    const rowIn = y * width * 3;
    for (let x = 0; x < width; x++) {
      const i = rowIn + x * 3;
      const o = rowOut + x;
      tensor[o] = UNIT[data[i]!]!;
      tensor[plane + o] = UNIT[data[i + 1]!]!;
      tensor[2 * plane + o] = UNIT[data[i + 2]!]!;
    }
  }
  return { tensor, geometry };
}
