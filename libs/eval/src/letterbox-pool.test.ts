import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { UserError } from '../../core/src/errors.ts';
import { LetterboxPool } from './letterbox-pool.ts';
import { writeFixtureJpegs } from '../../core/src/images/testing/fixture-images.ts';

test('worker threads give the same tensors as the main thread, and UserErrors stay UserErrors', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'eval-pool-'));
  const inline = new LetterboxPool(0, 320, 'val');
  const pooled = new LetterboxPool(2, 320, 'val');
  try {
    const paths = await writeFixtureJpegs(dir);
    const [a, b] = await Promise.all([Promise.all(paths.map((p) => inline.prepare(p))), Promise.all(paths.map((p) => pooled.prepare(p)))]);
    paths.forEach((p, i) => {
      assert.deepEqual(b[i]!.geometry, a[i]!.geometry, p);
      assert.deepEqual(b[i]!.inverse, a[i]!.inverse, p);
      assert.ok(Buffer.from(b[i]!.tensor.buffer).equals(Buffer.from(a[i]!.tensor.buffer)), `${p}: tensors differ`);
    });
    const missing = join(dir, 'nope.jpg');
    await assert.rejects(pooled.prepare(missing), (e: unknown) => e instanceof UserError && e.message === `${missing}: image file not found`);
  } finally {
    await pooled.close();
    await rm(dir, { recursive: true, force: true });
  }
});
