import { mkdir, readdir, readFile, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { sha256Text } from '../../core/src/hashing.ts';
import { artifactFiles as f } from '../../core/src/layout.ts';
import { exists, writeDirAtomically } from '../../core/src/staging.ts';
import { UserError } from '../../core/src/errors.ts';
import { fromWorkspace } from '../../core/src/workspace.ts';

/**
 * The dataset as one training reads it, in a folder that training owns. Ultralytics writes labels/<split>.cache
 * beside the label folders it reads; pointed at the dataset stage's output, it wrote into another stage's
 * cached output (and a cache restore of the dataset then deleted the files again). The view holds:
 *   images/<split>/...   real folders of links to the dataset's images (Ultralytics resolves the image
 *                        folder's path, so a linked folder would lead it back into the dataset),
 *   labels/<split>       a link to the dataset's label folder; labels/ itself is real, so <split>.cache lands here,
 *   data.yaml            the dataset's, with `path:` set to the view.
 * A view is rebuilt (atomically) only when the dataset it mirrors changed, so its caches are reused otherwise.
 */
const markerFile = '.dataset-digest';

export async function prepareDataView(datasetDir: string, viewDir: string): Promise<string> {
  const dataYaml = join(viewDir, f.dataYaml);
  const digest = await datasetDigest(datasetDir);
  const current = await readFile(join(viewDir, markerFile), 'utf8').catch(() => '');
  if (current === digest && (await exists(dataYaml))) return dataYaml;
  await writeDirAtomically(viewDir, async (staging) => {
    const splits = await readdir(join(datasetDir, f.imagesDir));
    await mkdir(join(staging, f.labelsDir), { recursive: true });
    for (const split of splits) {
      await linkTree(join(datasetDir, f.imagesDir, split), join(staging, f.imagesDir, split));
      if (await exists(join(datasetDir, f.labelsDir, split))) await symlink(join(datasetDir, f.labelsDir, split), join(staging, f.labelsDir, split));
    }
    await writeFile(join(staging, f.dataYaml), withPath(await readFile(join(datasetDir, f.dataYaml), 'utf8'), viewDir, datasetDir));
    await writeFile(join(staging, markerFile), digest);
  });
  return dataYaml;
}

/** What identifies the dataset stage's output: its data.yaml and provenance (which hash every source). */
async function datasetDigest(datasetDir: string): Promise<string> {
  const parts = await Promise.all([f.dataYaml, f.provenance].map((name) => readFile(join(datasetDir, name), 'utf8').catch(() => '')));
  return sha256Text(parts.join('\0'));
}

/** data.yaml with its dataset root replaced; the rest (splits, quoted class names) is kept byte for byte. */
export function withPath(text: string, path: string, datasetDir: string): string {
  const lines = text.split('\n');
  const index = lines.findIndex((line) => line.startsWith('path: '));
  if (index < 0) throw new UserError('expected a `path:` line (the dataset root)', fromWorkspace(join(datasetDir, f.dataYaml)));
  lines[index] = `path: ${JSON.stringify(path)}`;
  return lines.join('\n');
}

/** Mirrors a folder tree: folders are created, every other entry becomes an absolute link to the original. */
async function linkTree(source: string, target: string): Promise<void> {
  await mkdir(target, { recursive: true });
  for (const entry of await readdir(source, { withFileTypes: true })) {
    if (entry.isDirectory()) await linkTree(join(source, entry.name), join(target, entry.name));
    else await symlink(join(source, entry.name), join(target, entry.name));
  }
}
