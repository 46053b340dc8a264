/**
 * The train images the export stage re-estimates the QAT model's BatchNorm statistics on (conf/export.yaml
 * bnReestimation): the W8A8 calibration's selection and letterbox code (libs/core/src/images/calibration/), in the style the
 * export stage passes (stage.ts: the trainings' validation style).
 */
import { join } from 'node:path';
import type { LetterboxStyle } from '../../core/src/config/choices.ts';
import type { RunLayout } from '../../core/src/layout.ts';
import { selectTrainImages } from '../../core/src/images/calibration/train-images.ts';
import { calibrationFiles, writeCalibrationSet } from '../../core/src/images/calibration/write-set.ts';

/** Writes `count` letterboxed train images and their list into `dir`; returns the two files for the request. */
export async function writeBnImages(layout: RunLayout, count: number, imgsz: number, style: LetterboxStyle, dir: string): Promise<{ tensor: string; meta: string }> {
  const { trainDir, list } = await selectTrainImages(layout, count, 'conf/export.yaml: bnReestimation.images');
  process.stdout.write(`[export] BatchNorm re-estimation: ${list.images.length} train images (requested ${list.requested}), ${style} letterbox\n`);
  await writeCalibrationSet(trainDir, list, imgsz, style, dir);
  return { tensor: join(dir, calibrationFiles.tensor), meta: join(dir, calibrationFiles.meta) };
}
