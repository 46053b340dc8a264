import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { runLayout } from './layout.ts';
import { producerOf } from './stage-outputs.ts';
import { stageNames, stages } from './stage-registry.ts';

test('a file is found to be written by the stage whose output folder holds it; a folder outside every output is a bug', () => {
  const layout = runLayout('r', '/runs/r');
  for (const stage of stageNames) {
    assert.equal(producerOf(layout, stages[stage].output(layout)), stage);
    assert.equal(producerOf(layout, join(stages[stage].output(layout), 'sub', 'file.json')), stage);
  }
  // ptq-w4a16 and ptq-w8a8 share a prefix; a sibling folder's name is no child of a stage's folder.
  assert.equal(producerOf(layout, join(layout.ptq.w8a8, 'x.onnx')), 'ptq-w8a8');
  assert.throws(() => producerOf(layout, `${layout.eval}-old/x.json`), /in no stage's output folder/);
  assert.throws(() => producerOf(layout, join(layout.trainInProgress.fp16, 'progress.json')), /in no stage's output folder/);
});
