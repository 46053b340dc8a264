import { mkdir, rename, rm, stat } from 'node:fs/promises';
import { dirname, basename, join } from 'node:path';

/**
 * Builds a directory atomically: `build` fills a fresh staging folder beside `finalDir`, and only when it
 * resolves is the staging folder renamed into place (the previous good output is swapped out in the same
 * step and then deleted). On any failure the staging folder is removed and `finalDir` is left untouched,
 * so Nx never caches, and the user never sees, a half-written stage.
 */
export async function writeDirAtomically<T>(finalDir: string, build: (stagingDir: string) => Promise<T>): Promise<T> {
  const parent = dirname(finalDir);
  await mkdir(parent, { recursive: true });
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
  const hadPrevious = await exists(finalDir);
  if (hadPrevious) await rename(finalDir, retired);
  try {
    await rename(staging, finalDir);
  } catch (error) {
    if (hadPrevious) await rename(retired, finalDir);
    await rm(staging, { recursive: true, force: true });
    throw error;
  }
  if (hadPrevious) await rm(retired, { recursive: true, force: true });
  return result;
}

export async function exists(path: string): Promise<boolean> {
  try {
    await stat(path);
    return true;
  } catch {
    return false;
  }
}
