import { mkdir, rename, rm, writeFile } from 'node:fs/promises';
import { randomBytes } from 'node:crypto';
import { basename, dirname, extname, join } from 'node:path';

/** A file written beside its final path, invisible to readers until `commit` renames it into place. */
export interface StagedFile {
  /** Where the content lies until committed; keeps the final extension so browsers type it the same way. */
  readonly tempPath: string;
  commit(): Promise<void>;
  discard(): Promise<void>;
}

/** Writes `data` to a hidden sibling of `finalPath`; a rename on the same filesystem then publishes it atomically. */
export async function stageFile(finalPath: string, data: string | Uint8Array): Promise<StagedFile> {
  const dir = dirname(finalPath);
  await mkdir(dir, { recursive: true });
  const ext = extname(finalPath);
  const stem = basename(finalPath, ext);
  const tempPath = join(dir, `.${stem}.${process.pid}-${randomBytes(4).toString('hex')}.partial${ext}`);
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
