/**
 * What Nx's cache holds of a training, and what happens when Nx deletes the entry on its own (README "Disk: the run
 * root and Nx's cache"): the entry holds only the files other stages read (not the periodic checkpoints or the
 * training's own loss chart), and a training whose entry Nx evicted is kept, not trained again, while its folder made
 * under the same task hash is on disk.
 */
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync, rmSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { experimentName } from '../libs/core/src/layout.ts';
import { WorkspaceCopy, sorted, type NxRun } from './workspace.ts';

const ws = new WorkspaceCopy();
after(() => ws.remove());

const trainings = ['train-fp16', 'train-qat'];
const runRoot = ws.path('tmp', experimentName, 'ci');
const cached = ['nx-task-hash', 'request.json', 'results.csv', 'run.json', 'weights/best.pt', 'weights/last.pt'];
/** The trainings' folders in the run root, as the experiment's plan names them. */
const folders = ['fp16', 'qat-w4a16'];
/** Static output style, so that what a task printed shows; its task lines read "> nx run p:t:c[  [local cache]]". */
const train = async (): Promise<NxRun> => {
  const run = await ws.nx(['run-many', '-t', trainings.join(','), '-c', 'ci', '--output-style=static']);
  const tasks = (mark: RegExp) => [...run.output.matchAll(mark)].map((m) => m[1]!);
  return { ...run, ran: tasks(/^\s*> nx run ([\w-]+):[\w-]+:ci$/gm), cached: tasks(/^\s*> nx run ([\w-]+):[\w-]+:ci {2}\[local cache\]$/gm) };
};
const explain = (run: NxRun) => `ran ${run.ran} | cached ${run.cached} | failed ${run.failed}\n${run.output.slice(-4000)}`;
const files = (dir: string): string[] => readdirSync(dir, { recursive: true }).map(String).filter((f) => statSync(join(dir, f)).isFile());
/** The files of each cache entry that holds this training folder. */
const cacheEntries = (folder: string): string[][] =>
  readdirSync(ws.path('.nx', 'cache'))
    .map((entry) => ws.path('.nx', 'cache', entry, relative(ws.root, runRoot), folder))
    .filter((dir) => existsSync(dir))
    .map((dir) => files(dir).sort());
const identity = (file: string) => {
  const s = statSync(join(runRoot, file));
  return `${s.ino}:${s.mtimeMs}:${s.size}`;
};

test('a training is cached as the files other stages read, not its periodic checkpoints or its own loss chart', async () => {
  const run = await train();
  assert.equal(run.code, 0, explain(run));
  assert.deepEqual(sorted(run.ran), sorted(['dataset', 'hyps', ...trainings]), explain(run));
  assert.deepEqual(readdirSync(runRoot).filter((name) => !name.startsWith('.')).sort(), ['dataset', 'hyps', ...folders].sort());
  for (const folder of folders) {
    assert.ok(existsSync(join(runRoot, folder, 'weights', 'epoch2.pt')), `${folder}: the run root keeps the periodic checkpoints`);
    for (const chart of ['loss.png', 'loss.html']) assert.ok(existsSync(join(runRoot, folder, chart)), `${folder}: the training drew its ${chart}`);
    assert.deepEqual(cacheEntries(folder), [cached], `${folder}: what .nx/cache holds`);
  }
});

test("Nx's own eviction of the trainings' entries does not train them again: the stamped folders are kept", async () => {
  const watched = ['fp16/results.csv', 'fp16/weights/best.pt', 'fp16/weights/epoch1.pt', 'qat-w4a16/run.json', 'qat-w4a16/weights/best.pt', 'qat-w4a16/loss.png'];
  const before = watched.map(identity);
  // An entry over maxCacheSize: Nx deletes the least recently read entries until the cache is under 90% of it, here all.
  const evict = await ws.nx(['run', 'hyps:hyps', '-c', 'demo', '--skip-nx-cache'], { NX_MAX_CACHE_SIZE: '1KB' });
  assert.equal(evict.code, 0, explain(evict));
  assert.deepEqual(cacheEntries('fp16'), [], 'the eviction left the fp16 entry');

  const again = await train();
  assert.equal(again.code, 0, explain(again));
  assert.deepEqual(sorted(again.ran), sorted(['dataset', 'hyps', ...trainings]), explain(again));
  for (const folder of folders) assert.match(again.output, new RegExp(`kept tmp/${experimentName}/ci/${folder}, made under this task's hash`), explain(again));
  assert.doesNotMatch(again.output, /training from scratch|resuming/, explain(again));
  assert.deepEqual(watched.map(identity), before, 'a kept training was rewritten');
  for (const folder of folders) assert.deepEqual(cacheEntries(folder), [cached], `${folder}: cached again`);

  const third = await train();
  assert.deepEqual(sorted(third.cached), sorted(['dataset', 'hyps', ...trainings]), explain(third));
});

test('a deleted training folder comes back from the cache as the files other stages read', async () => {
  rmSync(join(runRoot, 'fp16'), { recursive: true, force: true });
  const run = await train();
  assert.equal(run.code, 0, explain(run));
  assert.deepEqual(sorted(run.cached), sorted(['dataset', 'hyps', ...trainings]), explain(run));
  assert.deepEqual(files(join(runRoot, 'fp16')).sort(), cached);
});
