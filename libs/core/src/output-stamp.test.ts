import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { runLayout } from './layout.ts';
import { outputStampFileName, reusableOutput, stampedStage, stampOutput } from './output-stamp.ts';
import { stages } from './stage-registry.ts';

function finishedTraining(): { root: string; dir: string } {
  const root = mkdtempSync(join(tmpdir(), 'stamp-'));
  const dir = runLayout('r1', root).train.fp16;
  for (const file of stages['train-fp16'].writes) {
    mkdirSync(dirname(join(dir, file)), { recursive: true });
    writeFileSync(join(dir, file), 'x');
  }
  return { root, dir };
}

test('only the stages Nx caches in part are stamped: the trainings', () => {
  assert.equal(stampedStage('libs/train-fp16/src/stage.ts'), 'train-fp16');
  assert.equal(stampedStage('libs/train-qat/src/stage.ts'), 'train-qat');
  for (const script of ['libs/dataset/src/stage.ts', 'libs/export/src/stage.ts', 'libs/eval/src/stage.ts', 'libs/nope/src/stage.ts']) assert.equal(stampedStage(script), null, script);
});

test('a finished folder stamped with the task hash is kept; another hash, --skip-nx-cache, no hash or a missing file runs the stage', async () => {
  const { root, dir } = finishedTraining();
  try {
    await stampOutput('train-fp16', 'r1', { NX_TASK_HASH: '123' }, root);
    assert.equal(readFileSync(join(dir, outputStampFileName), 'utf8'), '123\n');
    assert.equal(await reusableOutput('train-fp16', 'r1', { NX_TASK_HASH: '123' }, root), dir);
    assert.equal(await reusableOutput('train-fp16', 'r1', { NX_TASK_HASH: '124' }, root), null);
    assert.equal(await reusableOutput('train-fp16', 'r1', { NX_TASK_HASH: '123', NX_SKIP_NX_CACHE: 'true' }, root), null);
    assert.equal(await reusableOutput('train-fp16', 'r1', {}, root), null);
    rmSync(join(dir, stages['train-fp16'].writes.at(-1)!));
    assert.equal(await reusableOutput('train-fp16', 'r1', { NX_TASK_HASH: '123' }, root), null);
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});

test('a run outside Nx leaves no stamp behind, so its folder is never taken for a task', async () => {
  const { root, dir } = finishedTraining();
  try {
    await stampOutput('train-fp16', 'r1', { NX_TASK_HASH: '123' }, root);
    await stampOutput('train-fp16', 'r1', {}, root);
    assert.ok(!existsSync(join(dir, outputStampFileName)));
    assert.equal(await reusableOutput('train-fp16', 'r1', { NX_TASK_HASH: '123' }, root), null);
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});
