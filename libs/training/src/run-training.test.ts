import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runLayout } from '../../core/src/layout.ts';
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
});
