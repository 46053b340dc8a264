import { UserError } from '../../errors.ts';
import { sha256Text } from '../../hashing.ts';
import type { CalibrationJson } from '../../schemas/ptq-w8a8.ts';

const IMAGE_FILE = /\.(jpe?g|png|bmp|webp)$/i;

/**
 * The chosen list, as calibration.json records it: the train2017 file names in the order they are calibrated on, the
 * count asked for, and the sha256 of the names joined by '\n' (provenance: the same list always hashes the same).
 */
export type CalibrationList = Pick<CalibrationJson, 'images' | 'requested' | 'sha256'>;

/**
 * A fixed calibration list: `count` train images spread evenly over the sorted train file names (every
 * len/count-th one), so the list depends only on the file names, never on a seed or the listing order.
 * A train set smaller than `count` is used whole (the demo's synthetic set). Refuses any file name that also
 * appears in val: calibrating on evaluation images would flatter the W8A8 result. Pure.
 */
export function selectCalibrationImages(trainFiles: readonly string[], valFiles: readonly string[], count: number, where: string): CalibrationList {
  if (!Number.isInteger(count) || count < 1) throw new UserError(`calibration image count must be a positive integer, got ${count}`, where);
  const train = [...new Set(trainFiles.filter((f) => IMAGE_FILE.test(f)))].sort();
  if (train.length === 0) throw new UserError('no train images to calibrate on', where);
  const val = new Set(valFiles);
  const step = Math.max(1, train.length / count);
  const images: string[] = [];
  for (let i = 0; i < Math.min(count, train.length); i++) images.push(train[Math.floor(i * step)]!);
  const overlap = images.find((f) => val.has(f));
  if (overlap !== undefined) throw new UserError(`calibration image '${overlap}' is also a val image; the calibration set must never overlap val`, where);
  return { images, requested: count, sha256: calibrationListSha256(images) };
}

export function calibrationListSha256(images: readonly string[]): string {
  return sha256Text(images.join('\n'));
}
