import { readFile } from 'node:fs/promises';
import { UserError } from '../../../core/src/errors.ts';
import type { CocoInstances, CocoResult } from './types.ts';
import { checkInstances, checkResults, knownIds } from './validate.ts';

/** Reads and checks a COCO instances file (images, annotations, categories); errors name the file and record. */
export async function loadCocoInstancesFile(path: string): Promise<CocoInstances> {
  return checkInstances(await readJson(path, 'a COCO instances file'), path);
}

/**
 * Reads and checks a COCO results file (an array of {image_id, category_id, bbox, score}) against the
 * ground truth it will be evaluated on: every image_id and category_id must exist there.
 */
export async function loadCocoResultsFile(path: string, instances: CocoInstances): Promise<CocoResult[]> {
  return checkResults(await readJson(path, 'a COCO results file'), knownIds(instances), path);
}

async function readJson(path: string, what: string): Promise<unknown> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    throw new UserError(`cannot read ${what}: ${(error as NodeJS.ErrnoException).code ?? String(error)}`, path);
  }
  try {
    return JSON.parse(text) as unknown;
  } catch (error) {
    // Python's json module writes NaN and Infinity, which are not JSON: say so, since that is the usual cause.
    const hint = /\b(NaN|-?Infinity)\b/.test(text) ? ' (it contains NaN or Infinity, which JSON does not allow)' : '';
    throw new UserError(`${what} must be valid JSON${hint}: ${(error as Error).message}`, path);
  }
}
