import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runLayout, type RunLayout } from '../../core/src/layout.ts';
import { runTrainingStage } from './run-training.ts';

test('missing upstream outputs are named with the command that makes them, and nothing is written', async () => {
  const root = mkdtempSync(join(tmpdir(), 'train-stage-'));
  const layout = runLayout('t', root);
  await assert.rejects(runTrainingStage('fp16', 'demo', layout), /dataset\/data\.yaml: the dataset stage has not produced data\.yaml: run `npx nx run dataset:dataset` first/);
  mkdirSync(layout.dataset, { recursive: true });
  writeFileSync(join(layout.dataset, 'data.yaml'), 'path: x\n');
  await assert.rejects(runTrainingStage('qat', 'demo', layout), /hyps\/train-args\.yaml: the hyps stage has not produced train-args\.yaml: run `npx nx run hyps:hyps` first/);
  assert.equal(existsSync(layout.train.qat), false);
  assert.equal(existsSync(layout.trainInProgress.qat), false);
  mkdirSync(layout.hyps, { recursive: true });
  writeFileSync(layout.trainArgs, 'lr0: 0.01\n');
  // The fine-tune starts from the FP16 model: without it, it fails before taking its lock or writing anything.
  await assert.rejects(runTrainingStage('qat-ft', 'demo', layout), /fp16\/weights\/best\.pt: the fine-tune starts from the FP16 model, which is not trained: run `npx nx run train-fp16:train-fp16` first/);
  assert.equal(existsSync(layout.train['qat-ft']), false);
  assert.equal(existsSync(layout.trainInProgress['qat-ft']), false);
});

/** A run root whose dataset and hyps stages look done: enough for the trainer to read its request. */
function upstreamDone(): RunLayout {
  const layout = runLayout('t', mkdtempSync(join(tmpdir(), 'train-device-')));
  mkdirSync(join(layout.dataset, 'images', 'train2017'), { recursive: true });
  writeFileSync(join(layout.dataset, 'data.yaml'), 'path: x\ntrain: images/train2017\nval: images/train2017\nnames:\n  0: a\n');
  mkdirSync(layout.hyps, { recursive: true });
  writeFileSync(layout.trainArgs, 'lr0: 0.01\n');
  return layout;
}

/** Runs `body` with CUDA hidden from the Python child (so the test means the same on a GPU machine) and the device env vars as given. */
async function withoutCuda(deviceEnv: Record<string, string>, body: () => Promise<void>): Promise<void> {
  const names = ['CUDA_VISIBLE_DEVICES', 'TRAIN_DEVICE', 'FP16_DEVICE', 'QAT_DEVICE'];
  const saved = Object.fromEntries(names.map((name) => [name, process.env[name]]));
  for (const name of names) delete process.env[name];
  Object.assign(process.env, { CUDA_VISIBLE_DEVICES: '', ...deviceEnv });
  try {
    await body();
  } finally {
    for (const name of names) {
      if (saved[name] === undefined) delete process.env[name];
      else process.env[name] = saved[name];
    }
  }
}

test('the gpu profile on a machine without CUDA fails at once, naming the profile, the device, where it was set and the way to the CPU', async () => {
  const layout = upstreamDone();
  // A run root of an earlier version, its finished QAT run in qat/: moved to the current folder before anything else.
  mkdirSync(join(layout.root, 'qat', 'weights'), { recursive: true });
  writeFileSync(join(layout.root, 'qat', 'weights', 'best.pt'), 'days of training');
  const started = Date.now();
  await withoutCuda({}, async () => {
    await assert.rejects(runTrainingStage('qat', 'gpu', layout), (error: Error) => {
      assert.match(
        error.message,
        /^train-qat: the gpu profile trains on device 'cuda' \(conf\/resources\.yaml profiles\.gpu\.device\), but this machine has no CUDA GPU \(torch \S+ sees none\)\. To train this profile on the CPU anyway, set `device: cpu` under profiles\.gpu in conf\/resources\.yaml$/,
      );
      return true;
    });
  });
  assert.ok(Date.now() - started < 60_000, `took ${Date.now() - started} ms`);
  assert.equal(existsSync(layout.trainInProgress.qat), false, 'nothing was trained');
  assert.equal(readFileSync(join(layout.root, 'qat-w4a16', 'weights', 'best.pt'), 'utf8'), 'days of training');
  assert.equal(existsSync(join(layout.root, 'qat')), false);
});

test('a device from the environment is named as such, with the way to the CPU through it', async () => {
  const layout = upstreamDone();
  await withoutCuda({ FP16_DEVICE: 'cuda' }, async () => {
    await assert.rejects(
      runTrainingStage('fp16', 'demo', layout),
      /train-fp16: the demo profile trains on device 'cuda' \(FP16_DEVICE\), but this machine has no CUDA GPU \(torch \S+ sees none\)\. To train on the CPU anyway, set FP16_DEVICE=cpu$/,
    );
  });
  assert.equal(existsSync(layout.trainInProgress.fp16), false, 'nothing was trained');
});
