/**
 * Nx runtime input of the dataset stage: a fingerprint of COCO data that lives outside git (Nx hashes no
 * ignored files). sha256 of each annotation file (cached by path, size and mtime, so a 450 MB file is read
 * only when it changed) plus each image folder's entry count and mtime. Prints one JSON line.
 */
import { readdir, readFile, stat, writeFile, mkdir } from 'node:fs/promises';
import { dirname, join, relative } from 'node:path';
import { loadSection } from '../../core/src/config/load.ts';
import { sha256File } from '../../core/src/hashing.ts';
import { runsDir } from '../../core/src/layout.ts';
import { cocoSplitSource, cocoSplits, resolveSource } from './source.ts';

const cacheFile = join(runsDir, '.coco-fingerprint-cache.json');
type ShaCache = Record<string, { size: number; mtimeMs: number; sha256: string }>;

export async function cocoFingerprint(root: string): Promise<unknown> {
  const cache: ShaCache = await readFile(cacheFile, 'utf8').then(JSON.parse).catch(() => ({}));
  const entries: Record<string, unknown> = {};
  for (const split of cocoSplits) {
    const { annotationFile, imagesDir } = cocoSplitSource(root, split);
    // An unreadable entry is part of the fingerprint, not a crash of Nx's hashing: the dataset stage itself then
    // reports it with the path (convert-coco's checks).
    entries[relative(root, annotationFile)] = await unreadableAs(async () => {
      const info = await stat(annotationFile).catch(() => null);
      if (!info) return 'missing';
      const cached = cache[annotationFile];
      const sha256 = cached && cached.size === info.size && cached.mtimeMs === info.mtimeMs ? cached.sha256 : await sha256File(annotationFile);
      cache[annotationFile] = { size: info.size, mtimeMs: info.mtimeMs, sha256 };
      return { size: info.size, sha256 };
    });
    entries[split] = await unreadableAs(async () => {
      const folder = await stat(imagesDir).catch(() => null);
      return folder ? { entries: (await readdir(imagesDir)).length, mtimeMs: folder.mtimeMs } : 'missing';
    });
  }
  await mkdir(dirname(cacheFile), { recursive: true });
  await writeFile(cacheFile, JSON.stringify(cache));
  return { root, ...entries };
}

async function unreadableAs(read: () => Promise<unknown>): Promise<unknown> {
  try {
    return await read();
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (typeof code !== 'string') throw error;
    return { unreadable: code };
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  // The coco profile's source, whichever profile runs: Nx runtime inputs cannot see the task's options.
  let line: unknown = { coco: 'not configured' };
  try {
    const source = resolveSource(loadSection('dataset', 'coco'));
    if (source.kind === 'coco') line = await cocoFingerprint(source.root);
  } catch {
    // No COCO root configured: the demo needs none, and the coco profile's own run reports the problem.
  }
  process.stdout.write(`${JSON.stringify(line)}\n`);
}
