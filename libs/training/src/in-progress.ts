import { mkdir, readdir, readFile, rename, rm, open } from 'node:fs/promises';
import { setTimeout as sleep } from 'node:timers/promises';
import { dirname, join } from 'node:path';
import { exists, writeFileAtomically } from '../../core/src/staging.ts';
import { UserError } from '../../core/src/errors.ts';
import { formatIdentity, parseIdentity, processIdentity, stillRunning } from '../../core/src/processes.ts';
import { parseArtifact } from '../../core/src/artifacts.ts';
import { artifactFiles, inProgressSidecar } from '../../core/src/layout.ts';
import { trainRequestSchema } from '../../core/src/schemas/training.ts';
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
  return { dir, requestFile: `${dir}${inProgressSidecar.request}`, lockFile: `${dir}${inProgressSidecar.lock}` };
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
  // An unreadable or malformed request (a crash while writing it, an older format) is a changed recipe: the
  // folder is moved aside below, never resumed under a request nobody can check.
  const previous = await readFile(files.requestFile, 'utf8')
    .then((t) => parseArtifact(t, trainRequestSchema, files.requestFile))
    .catch(() => null);
  const checkpoint = join(files.dir, artifactFiles.lastWeights);
  if (previous && recipeDigest(previous) === recipeDigest(request)) {
    if (await exists(join(files.dir, artifactFiles.runJson))) return { kind: 'finished' };
    // Any checkpoint is worth resuming: yolo_py falls back from a missing or torn last.pt to the newest that loads.
    if (await hasCheckpoint(dirname(checkpoint))) return { kind: 'resume', checkpoint };
    await rm(files.dir, { recursive: true, force: true }); // died before its first checkpoint: nothing to keep
    return { kind: 'fresh' };
  }
  const movedTo = `${files.dir}.superseded-${new Date().toISOString().replace(/[:.]/g, '-')}`;
  await rename(files.dir, movedTo);
  return { kind: 'superseded', movedTo };
}

async function hasCheckpoint(weightsDir: string): Promise<boolean> {
  const names = await readdir(weightsDir).catch(() => [] as string[]);
  return names.some((name) => name.endsWith('.pt') && !name.startsWith('.'));
}

export async function writeRequest(files: InProgress, request: TrainRequest): Promise<void> {
  await writeFileAtomically(files.requestFile, `${JSON.stringify(request, null, 2)}\n`);
}

/** How long a new training waits for the holder of the lock to finish dying (a stage just killed with Nx). */
export const LOCK_WAIT_MS = 10_000;
const LOCK_POLL_MS = 100;

/**
 * One training per variant and run root at a time: a second one would write into the same checkpoints. The lock
 * file records its holder's pid and start time, so a recycled pid is not mistaken for the holder. A holder that
 * is gone, a zombie or dying, is stale; a live one is waited for up to `waitMs` (a rerun right after a kill
 * finds the killed stage still exiting), and only then refused.
 */
export async function acquireLock(files: InProgress, waitMs = LOCK_WAIT_MS): Promise<() => Promise<void>> {
  await mkdir(dirname(files.lockFile), { recursive: true });
  const me = processIdentity(process.pid);
  const deadline = Date.now() + waitMs;
  for (;;) {
    try {
      const handle = await open(files.lockFile, 'wx');
      await handle.writeFile(`${me ? formatIdentity(me) : process.pid}\n`);
      await handle.close();
      return () => rm(files.lockFile, { force: true });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
    const holder = parseIdentity(await readFile(files.lockFile, 'utf8').catch(() => ''));
    if (holder === null || !stillRunning(holder)) {
      await rm(files.lockFile, { force: true }); // left by a killed run
      continue;
    }
    if (Date.now() >= deadline) {
      throw new UserError(`another training of this variant is running (pid ${holder.pid}); wait for it or stop it`, files.lockFile);
    }
    await sleep(LOCK_POLL_MS);
  }
}
