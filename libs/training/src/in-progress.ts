import { mkdir, readFile, rename, rm, open } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { exists, writeFileAtomically } from '../../core/src/staging.ts';
import { UserError } from '../../core/src/errors.ts';
import { recipeDigest, type TrainRequest } from './request.ts';

/**
 * The in-progress training folder (Ultralytics' save_dir) lives outside the declared Nx outputs, so a crashed
 * or interrupted run is never cached and the next run of the target can pick it up.
 */
export interface InProgress {
  dir: string;
  requestFile: string;
  lockFile: string;
}

export function inProgressFiles(dir: string): InProgress {
  return { dir, requestFile: `${dir}.request.json`, lockFile: `${dir}.lock` };
}

export type ResumePlan =
  | { kind: 'fresh' }
  | { kind: 'resume'; checkpoint: string }
  | { kind: 'finished' }
  | { kind: 'superseded'; movedTo: string };

/**
 * Decides what to do with what an earlier run left behind: resume it when the recipe is unchanged and a
 * checkpoint exists, take it as finished when Python completed (run.json) but finalising did not, and move
 * it aside (never delete days of training) when the recipe changed.
 */
export async function planResume(files: InProgress, request: TrainRequest): Promise<ResumePlan> {
  if (!(await exists(files.dir))) return { kind: 'fresh' };
  const previous = await readFile(files.requestFile, 'utf8')
    .then((t) => JSON.parse(t) as TrainRequest)
    .catch(() => null);
  const checkpoint = join(files.dir, 'weights', 'last.pt');
  if (previous && recipeDigest(previous) === recipeDigest(request)) {
    if (await exists(join(files.dir, 'run.json'))) return { kind: 'finished' };
    if (await exists(checkpoint)) return { kind: 'resume', checkpoint };
    await rm(files.dir, { recursive: true, force: true }); // died before its first checkpoint: nothing to keep
    return { kind: 'fresh' };
  }
  const movedTo = `${files.dir}.superseded-${new Date().toISOString().replace(/[:.]/g, '-')}`;
  await rename(files.dir, movedTo);
  return { kind: 'superseded', movedTo };
}

export async function writeRequest(files: InProgress, request: TrainRequest): Promise<void> {
  await writeFileAtomically(files.requestFile, `${JSON.stringify(request, null, 2)}\n`);
}

/** One training per variant and run root at a time: a second one would write into the same checkpoints. */
export async function acquireLock(files: InProgress): Promise<() => Promise<void>> {
  await mkdir(dirname(files.lockFile), { recursive: true });
  for (let attempt = 0; attempt < 2; attempt += 1) {
    try {
      const handle = await open(files.lockFile, 'wx');
      await handle.writeFile(`${process.pid}\n`);
      await handle.close();
      return () => rm(files.lockFile, { force: true });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      const pid = Number.parseInt(await readFile(files.lockFile, 'utf8').catch(() => ''), 10);
      if (Number.isInteger(pid) && isAlive(pid)) {
        throw new UserError(`another training of this variant is running (pid ${pid}); wait for it or stop it`, files.lockFile);
      }
      await rm(files.lockFile, { force: true }); // left by a killed run
    }
  }
  throw new UserError('could not take the training lock', files.lockFile);
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}
