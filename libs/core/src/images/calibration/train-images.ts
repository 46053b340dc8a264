import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { requireArtifact } from '../../artifacts.ts';
import { artifactFiles, type RunLayout } from '../../layout.ts';
import { selectCalibrationImages, type CalibrationList } from './select.ts';

/**
 * A run's fixed list of `count` train images (select.ts: spread evenly over the sorted names, never a val image) and
 * the folder they are in: what the W8A8 calibration (ptq-w8a8) and the BatchNorm re-estimation before export feed the
 * model. `where` names the setting in messages.
 */
export async function selectTrainImages(layout: RunLayout, count: number, where: string): Promise<{ trainDir: string; list: CalibrationList }> {
  const listSplit = async (dir: string): Promise<string[]> => readdir(await requireArtifact(dir, layout, 'no images folder'));
  const trainDir = join(layout.dataset, artifactFiles.trainImages);
  const list = selectCalibrationImages(await listSplit(trainDir), await listSplit(join(layout.dataset, artifactFiles.valImages)), count, where);
  return { trainDir, list };
}
