import { randomBytes } from 'node:crypto';
import { mkdir, readdir, rename, rm, stat, writeFile } from 'node:fs/promises';
import { basename, dirname, extname, join } from 'node:path';
import { processIdentity } from './processes.ts';

/**
 * Builds a directory atomically: `build` fills a fresh staging folder beside `finalDir`, and only when it
 * resolves is the staging folder renamed into place (the previous good output is swapped out in the same
 * step and then deleted). On any failure the staging folder is removed and `finalDir` is left untouched,
 * so Nx never caches, and the user never sees, a half-written stage.
 */
export async function writeDirAtomically<T>(finalDir: string, build: (stagingDir: string) => Promise<T>): Promise<T> {
  const parent = dirname(finalDir);
  await mkdir(parent, { recursive: true });
  await removeStaleStaging(finalDir);
  const stamp = `${process.pid}-${Date.now()}`;
  const staging = join(parent, `.${basename(finalDir)}.staging-${stamp}`);
  const retired = join(parent, `.${basename(finalDir)}.old-${stamp}`);
  await rm(staging, { recursive: true, force: true });
  await mkdir(staging, { recursive: true });
  let result: T;
  try {
    result = await build(staging);
  } catch (error) {
    await rm(staging, { recursive: true, force: true });
    throw error;
  }
  try {
    await replaceDir(staging, finalDir, retired);
  } catch (error) {
    await rm(staging, { recursive: true, force: true });
    throw error;
  }
  return result;
}

/**
 * Moves a finished folder to `finalDir` (same filesystem), replacing what was there: the old folder is renamed
 * aside, the new one renamed in, and only then the old one deleted; a failed rename puts the old one back.
 */
export async function replaceDir(source: string, finalDir: string, retired = `${finalDir}.old-${process.pid}-${Date.now()}`): Promise<void> {
  const hadPrevious = await exists(finalDir);
  if (hadPrevious) await rename(finalDir, retired);
  try {
    await rename(source, finalDir);
  } catch (error) {
    if (hadPrevious) await rename(retired, finalDir);
    throw error;
  }
  if (hadPrevious) await rm(retired, { recursive: true, force: true });
}

/**
 * The names this module gives the folders beside `finalDir`, each with the pid of the process that made it:
 * `.<name>.staging-<pid>-<ms>`, `.<name>.old-<pid>-<ms>` and `<name>.old-<pid>-<ms>` (replaceDir's default).
 * Returns the pid, or null for any other name.
 */
export function stagingOwner(name: string, finalName: string): number | null {
  const base = finalName.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  const match = new RegExp(`^\\.${base}\\.(?:staging|old)-(\\d+)-\\d+$`).exec(name) ?? new RegExp(`^${base}\\.old-(\\d+)-\\d+$`).exec(name);
  return match ? Number(match[1]) : null;
}

/** The pid in stageFile's `.<stem>.<pid>-<hex>.partial<ext>`, or null for any other name. */
export function partialOwner(name: string): number | null {
  const match = /^\..+\.(\d+)-[0-9a-f]{8}\.partial(?:\.[^/]*)?$/.exec(name);
  return match ? Number(match[1]) : null;
}

/** Removes the entries of `dir` that `owner` attributes to a process that is gone (a SIGKILL runs no clean-up). */
async function removeOrphaned(dir: string, owner: (name: string) => number | null): Promise<string[]> {
  const names = await readdir(dir).catch(() => [] as string[]);
  const stale = names.filter((name) => {
    const pid = owner(name);
    return pid !== null && processIdentity(pid) === null;
  });
  await Promise.all(stale.map((name) => rm(join(dir, name), { recursive: true, force: true })));
  return stale;
}

/**
 * Removes what a killed stage left beside `finalDir`: staging and retired folders and partial files whose
 * process is gone. Those of a live process (a stage running now) are kept. Called when a stage starts, so a
 * training's gigabytes do not pile up.
 */
export async function removeStaleStaging(finalDir: string): Promise<string[]> {
  const parent = dirname(finalDir);
  const owner = (name: string) => stagingOwner(name, basename(finalDir)) ?? partialOwner(name);
  return removeOrphaned(parent, owner);
}

/**
 * Removes partial files a killed process left inside `dir`: a folder that is finished in place and then moved
 * whole into a declared output (a training's in-progress folder), where a stray partial file would be cached.
 */
export const removeStalePartials = (dir: string): Promise<string[]> => removeOrphaned(dir, partialOwner);

/** A file written beside its final path, invisible to readers until `commit` renames it into place. */
export interface StagedFile {
  /** Where the content lies until committed; keeps the final extension so browsers type it the same way. */
  readonly tempPath: string;
  commit(): Promise<void>;
  discard(): Promise<void>;
}

/**
 * Writes `data` to a hidden sibling of `finalPath`; a rename on the same filesystem then publishes it atomically.
 * Several files staged first and committed together appear only once all of them were written.
 */
export async function stageFile(finalPath: string, data: string | Uint8Array): Promise<StagedFile> {
  const dir = dirname(finalPath);
  await mkdir(dir, { recursive: true });
  const ext = extname(finalPath);
  const tempPath = join(dir, `.${basename(finalPath, ext)}.${process.pid}-${randomBytes(4).toString('hex')}.partial${ext}`);
  try {
    await writeFile(tempPath, data);
  } catch (error) {
    await rm(tempPath, { force: true });
    throw error;
  }
  return {
    tempPath,
    commit: () => rename(tempPath, finalPath),
    discard: () => rm(tempPath, { force: true }),
  };
}

/** Writes a file through a temporary sibling and a rename, so readers see the old content or the new, never half. */
export async function writeFileAtomically(path: string, data: string | Uint8Array): Promise<void> {
  const staged = await stageFile(path, data);
  try {
    await staged.commit();
  } catch (error) {
    await staged.discard();
    throw error;
  }
}

export async function exists(path: string): Promise<boolean> {
  try {
    await stat(path);
    return true;
  } catch {
    return false;
  }
}
