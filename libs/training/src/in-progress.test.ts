import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { spawn } from 'node:child_process';
import { processIdentity, formatIdentity } from '../../core/src/processes.ts';
import { join } from 'node:path';
import { acquireLock, inProgressFiles, planResume, writeRequest } from './in-progress.ts';
import type { TrainRequest } from './request.ts';

const request: TrainRequest = {
  variant: 'fp16', model: 'yolov10n.yaml', data: '/d/data.yaml', save_dir: '/r/.in-progress/fp16', epochs: 3, batch: 4, imgsz: 64, seed: 0,
  optimizer: 'SGD', amp: false, close_mosaic: 0, save_period: 1, device: 'cpu', workers: 0, cuda_graphs: true, hyps: { lr0: 0.01 }, qat: null, resume_from: null, val_head: 'one2one', collapse_watch: null, distill: null, fine_tune: null,
};

function setup() {
  const root = mkdtempSync(join(tmpdir(), 'in-progress-'));
  return inProgressFiles(join(root, '.in-progress', 'fp16'));
}

test('nothing left behind: a fresh run', async () => {
  assert.deepEqual(await planResume(setup(), request), { kind: 'fresh' });
});

test('same recipe with a checkpoint: resume from last.pt, also on another device', async () => {
  const files = setup();
  mkdirSync(join(files.dir, 'weights'), { recursive: true });
  writeFileSync(join(files.dir, 'weights', 'last.pt'), 'x');
  await writeRequest(files, request);
  const plan = await planResume(files, { ...request, device: '0' });
  assert.deepEqual(plan, { kind: 'resume', checkpoint: join(files.dir, 'weights', 'last.pt') });
});

test('same recipe with only an older checkpoint: still a resume (yolo_py falls back from the missing last.pt), never a fresh start', async () => {
  const files = setup();
  mkdirSync(join(files.dir, 'weights'), { recursive: true });
  writeFileSync(join(files.dir, 'weights', 'epoch10.pt'), 'x');
  writeFileSync(join(files.dir, 'weights', '.last.pt.123.tmp'), 'half'); // a killed write's temporary file is no checkpoint
  await writeRequest(files, request);
  assert.deepEqual(await planResume(files, request), { kind: 'resume', checkpoint: join(files.dir, 'weights', 'last.pt') });
  assert.ok(existsSync(join(files.dir, 'weights', 'epoch10.pt')));
});

test('same recipe, no checkpoint but a killed write\'s temporary file: nothing worth keeping, a fresh start', async () => {
  const files = setup();
  mkdirSync(join(files.dir, 'weights'), { recursive: true });
  writeFileSync(join(files.dir, 'weights', '.last.pt.123.tmp'), 'half');
  await writeRequest(files, request);
  assert.deepEqual(await planResume(files, request), { kind: 'fresh' });
});

test('same recipe and run.json written: finished, only finalising is left', async () => {
  const files = setup();
  mkdirSync(files.dir, { recursive: true });
  writeFileSync(join(files.dir, 'run.json'), '{}');
  await writeRequest(files, request);
  assert.deepEqual(await planResume(files, request), { kind: 'finished' });
});

test('changed recipe: the old run is moved aside, never deleted', async () => {
  const files = setup();
  mkdirSync(join(files.dir, 'weights'), { recursive: true });
  writeFileSync(join(files.dir, 'weights', 'last.pt'), 'x');
  await writeRequest(files, request);
  const plan = await planResume(files, { ...request, epochs: 10 });
  assert.equal(plan.kind, 'superseded');
  assert.equal(existsSync(files.dir), false);
  assert.ok(readdirSync(join(files.dir, '..')).some((n) => n.startsWith('fp16.superseded-')));
});

test('a request file that fails its schema is a changed recipe: the run is moved aside, not resumed', async () => {
  const files = setup();
  mkdirSync(join(files.dir, 'weights'), { recursive: true });
  writeFileSync(join(files.dir, 'weights', 'last.pt'), 'x');
  writeFileSync(files.requestFile, JSON.stringify({ ...request, epochs: '3' }));
  assert.equal((await planResume(files, request)).kind, 'superseded');
});

test('a second training of the same variant is refused while the first holds the lock; a stale lock is taken over', async () => {
  const files = setup();
  const release = await acquireLock(files);
  await assert.rejects(acquireLock(files, 200), /another training of this variant is running \(pid \d+\)/);
  await release();
  writeFileSync(files.lockFile, '999999999\n');
  const again = await acquireLock(files);
  await again();
});

test('a lock whose holder is still dying is waited for, then taken; a recycled pid is not its holder', async () => {
  const files = setup();
  // The holder of a killed stage exits a moment after the kill: here, a process that lives 0.5 s more.
  const dying = spawn('sleep', ['0.5'], { stdio: 'ignore' });
  const exited = new Promise((resolve) => dying.once('exit', resolve));
  mkdirSync(join(files.dir, '..'), { recursive: true });
  writeFileSync(files.lockFile, `${formatIdentity(processIdentity(dying.pid!)!)}\n`);
  const started = Date.now();
  const release = await acquireLock(files, 5_000);
  await exited;
  assert.ok(Date.now() - started >= 300, 'the lock was taken while its holder still ran');
  await release();

  // This process's pid with another start time: the pid was reused, the holder is gone.
  writeFileSync(files.lockFile, `${process.pid} 1\n`);
  await (await acquireLock(files, 0))();
});
