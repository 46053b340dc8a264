import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { decodeImageRgb } from '../decode-image.ts';
import { letterbox, type LetterboxStyle } from '../letterbox.ts';
import type { CalibrationList } from './select.ts';
import { calibrationListFileName } from '../../layout.ts';
import type { CalibrationJson } from '../../schemas/ptq-w8a8.ts';

/** The two files of a calibration set inside its folder, read by yolo_py.image_set.read_image_set. */
export const calibrationFiles = { tensor: 'calibration.f32', meta: calibrationListFileName } as const;

/**
 * Decodes and letterboxes every listed image exactly as the evaluator feeds the model (decodeImageRgb + letterbox),
 * and writes them as one raw little-endian float32 [N, 3, imgsz, imgsz] tensor beside its metadata (shape, list,
 * sha256). `dir` is a staging folder: the caller renames it into place, so no partial set is ever seen.
 */
export async function writeCalibrationSet(
  imagesDir: string,
  list: CalibrationList,
  imgsz: number,
  style: LetterboxStyle,
  dir: string,
): Promise<{ tensorBytes: number }> {
  const plane = 3 * imgsz * imgsz;
  const tensor = new Float32Array(list.images.length * plane);
  for (const [i, name] of list.images.entries()) {
    letterbox(await decodeImageRgb(join(imagesDir, name)), imgsz, style, tensor.subarray(i * plane, (i + 1) * plane));
  }
  const bytes = new Uint8Array(tensor.buffer);
  // Float32Array is host-endian; every platform Node supports here is little-endian, which the reader assumes.
  if (new Uint8Array(new Float32Array([1]).buffer)[3] !== 0x3f) throw new Error('calibration tensor: big-endian hosts are not supported');
  await writeFile(join(dir, calibrationFiles.tensor), bytes);
  const meta: CalibrationJson = {
    shape: [list.images.length, 3, imgsz, imgsz],
    imgsz,
    letterbox: style,
    images: list.images,
    requested: list.requested,
    sha256: list.sha256,
    preprocessing: `the evaluator's own decode + ${style}-style letterbox (libs/core/src/images/letterbox.ts): RGB / 255, CHW, pad 114`,
  };
  await writeFile(join(dir, calibrationFiles.meta), JSON.stringify(meta, null, 2) + '\n');
  return { tensorBytes: bytes.length };
}
