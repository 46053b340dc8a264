import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { resizeBilinear } from './resize-linear.ts';
import { runOracle } from './testing/run-oracle.ts';

interface ResizeCase {
  src: string;
  dst: string;
  sw: number;
  sh: number;
  dw: number;
  dh: number;
  cn: number;
}

test('resizeBilinear equals cv2.resize INTER_LINEAR pixel for pixel', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'eval-resize-'));
  try {
    await runOracle('cv2_resize.py', [dir, '20240601']);
    const { cases } = JSON.parse(await readFile(join(dir, 'manifest.json'), 'utf8')) as { cases: ResizeCase[] };
    assert.ok(cases.length >= 50);
    for (const c of cases) {
      const src = new Uint8Array(await readFile(join(dir, c.src)));
      const want = new Uint8Array(await readFile(join(dir, c.dst)));
      const got = resizeBilinear({ data: src, width: c.sw, height: c.sh, channels: c.cn }, c.dw, c.dh);
      const label = `${c.sw}x${c.sh}x${c.cn} -> ${c.dw}x${c.dh}`;
      assert.equal(got.data.length, want.length, label);
      let differing = 0;
      for (let i = 0; i < want.length; i++) if (got.data[i] !== want[i]) differing++;
      assert.equal(differing, 0, `${label}: ${differing} of ${want.length} values differ from cv2`);
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('same size is a copy, not a resample', () => {
  const data = Uint8Array.from({ length: 12 }, (_, i) => i * 20);
  const out = resizeBilinear({ data, width: 2, height: 2, channels: 3 }, 2, 2);
  assert.deepEqual(Array.from(out.data), Array.from(data));
  assert.notEqual(out.data, data);
});

test('rejects a buffer that does not match its stated size', () => {
  assert.throws(() => resizeBilinear({ data: new Uint8Array(5), width: 2, height: 2, channels: 3 }, 4, 4), /expected 2x2x3/);
});
