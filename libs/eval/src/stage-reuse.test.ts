import assert from 'node:assert/strict';
import { appendFile, copyFile, mkdir, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { test } from 'node:test';
import { closureDigest, codeClosure, codeInputs } from '../../core/src/code-closure.ts';
import { stageCode } from '../../core/src/nx-targets.ts';
import { withTempDir } from '../../core/src/testing/temp-dir.ts';
import { cocoStatKeys } from '../../core/src/vocabulary.ts';
import { workspaceRoot } from '../../core/src/workspace.ts';
import { evaluatorCode, reusableMetrics } from './stage.ts';

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

test("the memo's code digest is of the eval target's whole code input: an edit to an imported module outside libs/eval scores again", async () => {
  // The very files Nx hashes for eval:eval, libs/eval's own and those it imports from elsewhere.
  assert.deepEqual(codeInputs(workspaceRoot, evaluatorCode), stageCode(workspaceRoot, 'eval'));
  await withTempDir(async (copy) => {
    for (const file of codeClosure(workspaceRoot, evaluatorCode)) {
      await mkdir(dirname(join(copy, file)), { recursive: true });
      await copyFile(join(workspaceRoot, file), join(copy, file));
    }
    const digest = () => closureDigest(copy, evaluatorCode);
    const first = digest();
    assert.equal(first, closureDigest(workspaceRoot, evaluatorCode), 'the digest depends on the files, not on where the workspace is');
    await writeFile(join(copy, 'libs/eval/src/not-imported.ts'), 'export const x = 1;\n');
    await appendFile(join(copy, 'libs/core/src/errors.ts'), '// a message edit: not an input of any stage\n');
    assert.equal(digest(), first, 'a file eval does not import, or one that only words messages');
    for (const file of ['libs/dataset/src/coco-classes.ts', 'libs/core/src/layout.ts', 'libs/core/src/images/letterbox.ts', 'libs/eval/src/batch-pass.ts']) {
      const before = digest();
      await appendFile(join(copy, file), '// edited\n');
      assert.notEqual(digest(), before, file);
    }
  });
});
