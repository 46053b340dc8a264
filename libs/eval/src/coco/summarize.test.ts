import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cocoStatKeys, cocoStatLabel } from '../../../core/src/vocabulary.ts';
import { STAT_SPECS } from './summarize.ts';

test("the 12 settings are named by the vocabulary's stat keys, in COCOeval.stats order", () => {
  assert.deepEqual(STAT_SPECS.map((s) => s.name), cocoStatKeys);
  assert.deepEqual([STAT_SPECS[0], STAT_SPECS[3], STAT_SPECS[8]].map((s) => [s!.kind, s!.iou, s!.area, s!.maxDets]), [
    ['precision', undefined, 'all', 100],
    ['precision', undefined, 'small', 100],
    ['recall', undefined, 'all', 100],
  ]);
  assert.deepEqual(cocoStatKeys.slice(0, 2).map(cocoStatLabel), ['mAP50-95', 'mAP50']);
});
