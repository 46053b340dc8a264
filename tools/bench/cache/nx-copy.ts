/**
 * Times the installed Nx's own copy routine (the native `copy` of nx/src/native: what Nx runs for each declared output
 * when it caches a task) on a folder, twice, each time with the page cache dropped first when run as root, and then
 * Nx's `remove` of the copy. README "Disk: the run root and Nx's cache".
 *
 *   npx tsx tools/bench/cache/nx-copy.ts <folder>          a folder of yours (copied beside it, then removed)
 *   npx tsx tools/bench/cache/nx-copy.ts --coco-dataset    a tree shaped like the coco dataset stage's output:
 *                                                          123,287 image links and 123,287 label files of 7 boxes
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { cpus, tmpdir, totalmem } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { workspaceRoot } from '../../../libs/core/src/workspace.ts';

const native = createRequire(join(workspaceRoot, 'package.json'))('nx/src/native') as { copy(src: string, dest: string): number; remove(path: string): void };
const { values, positionals } = parseArgs({ options: { 'coco-dataset': { type: 'boolean', default: false } }, allowPositionals: true });

let scratch: string | null = null;
let source: string;
if (values['coco-dataset']) {
  scratch = mkdtempSync(join(tmpdir(), 'nx-copy-'));
  source = join(scratch, 'dataset');
  const label = '45 0.479492 0.688771 0.955609 0.595500\n'.repeat(7); // COCO averages 7.3 boxes per image
  for (const [split, n] of [['train2017', 118_287], ['val2017', 5_000]] as const) {
    mkdirSync(join(source, 'images', split), { recursive: true });
    mkdirSync(join(source, 'labels', split), { recursive: true });
    for (let i = 0; i < n; i += 1) {
      const name = String(i).padStart(12, '0');
      symlinkSync(`/data/coco/${split}/${name}.jpg`, join(source, 'images', split, `${name}.jpg`));
      writeFileSync(join(source, 'labels', split, `${name}.txt`), label);
    }
  }
} else if (positionals.length === 1) {
  source = resolve(positionals[0]!);
} else {
  process.stderr.write('usage: npx tsx tools/bench/cache/nx-copy.ts <folder> | --coco-dataset\n');
  process.exit(2);
}
const dest = `${source}.nx-copy`;
const seconds = (since: number) => ((performance.now() - since) / 1000).toFixed(1);
const lines = [
  `command: npx tsx tools/bench/cache/nx-copy.ts ${values['coco-dataset'] ? '--coco-dataset' : source}`,
  `machine: ${cpus()[0]?.model ?? 'unknown CPU'}, ${cpus().length} cores, ${(totalmem() / 2 ** 30).toFixed(0)} GiB; ${new Date().toISOString()}`,
];
try {
  for (let round = 1; round <= 2; round += 1) {
    native.remove(dest);
    execFileSync('sync');
    try { writeFileSync('/proc/sys/vm/drop_caches', '3'); } catch { /* not root: the page cache stays warm */ }
    const started = performance.now();
    const bytes = native.copy(source, dest);
    const copied = seconds(started);
    execFileSync('sync');
    lines.push(`copy ${round}: ${(bytes / 1e9).toFixed(2)} GB in ${copied} s, ${seconds(started)} s with sync`);
  }
  const started = performance.now();
  native.remove(dest);
  execFileSync('sync');
  lines.push(`remove: ${seconds(started)} s`);
} finally {
  native.remove(dest);
  if (scratch) rmSync(scratch, { recursive: true, force: true });
}
process.stdout.write(`${lines.join('\n')}\n`);
