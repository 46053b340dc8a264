import { test } from 'node:test';
import assert from 'node:assert/strict';
import { relative } from 'node:path';
import { runLayout } from './layout.ts';

test("the trainings' folders are named as the experiment's plan names them; a run in progress keeps its variant's folders", () => {
  const layout = runLayout('r', '/runs/r');
  const under = (paths: Record<string, string>) => Object.fromEntries(Object.entries(paths).map(([v, p]) => [v, relative(layout.root, p)]));
  assert.deepEqual(under(layout.train), { fp16: 'fp16', qat: 'qat-w4a16', 'qat-ft': 'qat-w4a16-ft' });
  // The request's data path (.train-data) is in the recipe digest: renamed, every run in progress would start over.
  assert.deepEqual(under(layout.trainInProgress), { fp16: '.in-progress/fp16', qat: '.in-progress/qat', 'qat-ft': '.in-progress/qat-ft' });
  assert.deepEqual(under(layout.trainData), { fp16: '.train-data/fp16', qat: '.train-data/qat', 'qat-ft': '.train-data/qat-ft' });
});
