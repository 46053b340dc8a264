/**
 * What Nx's cache costs for a coco-sized training folder (README "Disk: the run root and Nx's cache"), in a throw-away
 * copy of the workspace (test/workspace.ts: Nx without its daemon, as CI and the tests run it):
 *
 * 1. trains the ci profile (dataset, hyps, train-fp16, train-qat) and times a cache-hit run of train-fp16;
 * 2. grows the finished FP16 run to coco size with dummy periodic checkpoints (--checkpoints files of --mb MB of random
 *    bytes; the defaults are the coco profile's: 500 epochs / savePeriod 5, and yolov10m's epochN.pt, the FP16 EMA plus
 *    SGD momentum in fp16, 16.6 M parameters x 4 bytes, which the ci run's yolov10n files match within 3%), hands it back
 *    to the training stage as a finished, not yet finalised run, and deletes its Nx cache entry (Nx's cache table, as an
 *    eviction does), so Nx runs the stage again and caches what it declares;
 * 3. times that run, measures the cache entry and .nx/cache, then --hits cache-hit runs, each after dropping the
 *    page cache when run as root, and counts the checkpoints left in the folder.
 *
 *   npx tsx tools/bench/cache/training-output.ts [--checkpoints 100] [--mb 66.8] [--hits 3]
 *
 * Needs python3 (its sqlite3 reads Nx's cache table) and twice --checkpoints x --mb of free disk (the folder, and
 * Nx's copy of it where Nx caches the whole folder).
 */
import { execFileSync } from 'node:child_process';
import { copyFileSync, existsSync, readdirSync, renameSync, writeFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { cpus, totalmem } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { experimentName } from '../../../libs/core/src/layout.ts';
import { WorkspaceCopy, type NxRun } from '../../../test/workspace.ts';

const { values } = parseArgs({ options: { checkpoints: { type: 'string', default: '100' }, mb: { type: 'string', default: '66.8' }, hits: { type: 'string', default: '3' } } });
const checkpoints = Number(values.checkpoints);
const bytes = Math.round(Number(values.mb) * 1e6);

const ws = new WorkspaceCopy();
const runRoot = ws.path('tmp', experimentName, 'ci');
const fp16 = join(runRoot, 'fp16');
const inProgress = join(runRoot, '.in-progress', 'fp16');
const gb = (n: number) => `${(n / 1e9).toFixed(2)} GB`;
const dropPageCache = () => {
  execFileSync('sync');
  try { writeFileSync('/proc/sys/vm/drop_caches', '3'); } catch { /* not root: the page cache stays warm */ }
};
const must = (run: NxRun, what: string) => {
  if (run.code !== 0) throw new Error(`${what} failed:\n${run.output.slice(-3000)}`);
  return run;
};
/** Nx 23's cache table (.nx/workspace-data/*-v4.db): the train-fp16:ci entry's hash, or with `forget`, deletes it as an eviction does. */
const cacheEntry = (forget: boolean): string =>
  execFileSync('python3', ['-c', `
import glob, shutil, sqlite3, sys
c = sqlite3.connect(glob.glob(sys.argv[1] + '/.nx/workspace-data/*-v4.db')[0])
rows = c.execute("select c.hash from cache_outputs c join task_details t on t.hash = c.hash where t.project = 'train-fp16' and t.configuration = 'ci' and c.is_cache_entry").fetchall()
for (h,) in rows:
    if sys.argv[2] == 'forget':
        c.execute('delete from cache_outputs where hash = ?', (h,)); shutil.rmtree(sys.argv[1] + '/.nx/cache/' + h, ignore_errors=True)
c.commit(); print(' '.join(h for (h,) in rows))
`, ws.root, forget ? 'forget' : 'list'], { encoding: 'utf8' }).trim();
const duBytes = (path: string) => Number(execFileSync('du', ['-sb', path], { encoding: 'utf8' }).split('\t')[0]);

try {
  must(await ws.nx(['run-many', '-t', 'train-fp16,train-qat', '-c', 'ci']), 'the ci trainings');
  const small = must(await ws.nx(['run', 'train-fp16:train-fp16', '-c', 'ci']), 'a cache hit');
  const smallEntry = duBytes(ws.path('.nx', 'cache', cacheEntry(false)));

  // The finished run back into the in-progress folder (with the request it ran), grown by the periodic checkpoints.
  renameSync(fp16, inProgress);
  copyFileSync(join(inProgress, 'request.json'), `${inProgress}.request.json`);
  const blob = join(ws.root, 'checkpoint.bin');
  writeFileSync(blob, randomBytes(bytes));
  for (let i = 1; i <= checkpoints; i += 1) copyFileSync(blob, join(inProgress, 'weights', `epoch${1000 + i}.pt`));
  const folder = duBytes(inProgress);
  cacheEntry(true);

  dropPageCache();
  const put = must(await ws.nx(['run', 'train-fp16:train-fp16', '-c', 'ci']), 'the run that caches the grown folder');
  const cacheTotal = duBytes(ws.path('.nx', 'cache'));
  const entry = duBytes(ws.path('.nx', 'cache', cacheEntry(false)));
  const hits: number[] = [];
  for (let i = 0; i < Number(values.hits); i += 1) {
    dropPageCache();
    const hit = must(await ws.nx(['run', 'train-fp16:train-fp16', '-c', 'ci']), 'a cache hit');
    if (!/nx run train-fp16:train-fp16:ci {2}\[local cache\]/.test(hit.output)) throw new Error(`train-fp16 was not a cache hit:\n${hit.output.slice(-2000)}`);
    hits.push(hit.seconds);
  }
  const left = existsSync(join(fp16, 'weights')) ? readdirSync(join(fp16, 'weights')).filter((f) => /^epoch\d+\.pt$/.test(f)).length : 0;
  const commit = execFileSync('git', ['rev-parse', '--short', 'HEAD'], { encoding: 'utf8' }).trim();
  process.stdout.write([
    `command: npx tsx tools/bench/cache/training-output.ts --checkpoints ${checkpoints} --mb ${values.mb} --hits ${values.hits} (working tree of ${commit})`,
    `machine: ${cpus()[0]?.model ?? 'unknown CPU'}, ${cpus().length} cores, ${(totalmem() / 2 ** 30).toFixed(0)} GiB; ${new Date().toISOString()}`,
    `| FP16 folder | its cache entry | .nx/cache in all (dataset, hyps, both trainings) | caching run | cache-hit runs | checkpoints left after the hits | for scale: entry and hit of the ci run |`,
    `| --- | --- | --- | --- | --- | --- | --- |`,
    `| ${gb(folder)} (${checkpoints} x ${values.mb} MB added) | ${gb(entry)} | ${gb(cacheTotal)} | ${put.seconds.toFixed(1)} s | ${hits.map((s) => `${s.toFixed(1)} s`).join(', ')} | ${left} of ${checkpoints + 2} | ${gb(smallEntry)}, ${small.seconds.toFixed(1)} s |`,
    '',
  ].join('\n'));
} finally {
  ws.remove();
}
