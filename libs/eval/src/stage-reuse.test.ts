import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { withTempDir } from '../../core/src/testing/temp-dir.ts';
import { cocoStatKeys } from '../../core/src/vocabulary.ts';
import { reusableMetrics } from './stage.ts';

const metricsFile = (extra: object) => ({
  stats: cocoStatKeys.map(() => 0.5),
  ...Object.fromEntries(cocoStatKeys.map((key) => [key, 0.5])),
  images: 10,
  latencyMs: null,
  ...extra,
});

test("the eval stage reuses a metrics file only when it holds Ultralytics' metric too", async () => {
  await withTempDir(async (dir) => {
    const path = join(dir, 'fp16.metrics.json');
    assert.equal(await reusableMetrics(path, 'fp16'), null, 'no file');
    await writeFile(path, JSON.stringify(metricsFile({})));
    assert.equal(await reusableMetrics(path, 'fp16'), null, 'a file from before the Ultralytics metric');
    await writeFile(path, JSON.stringify(metricsFile({ ultralytics: { mAP50_95: 0.4 } })));
    assert.equal(await reusableMetrics(path, 'fp16'), null, 'an incomplete Ultralytics metric');
    const ultralytics = { mAP50_95: 0.4, mAP50: 0.6, precision: 0.7, recall: 0.5 };
    await writeFile(path, JSON.stringify(metricsFile({ ultralytics })));
    assert.deepEqual((await reusableMetrics(path, 'fp16'))?.ultralytics, ultralytics);
  });
});
