import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { decodeImageRgb } from './decode-image.ts';
import { letterbox, PAD_VALUE } from './letterbox.ts';
import { runOracle } from './testing/run-oracle.ts';
import { writeFixtureJpegs } from './testing/fixture-images.ts';

interface OracleImage {
  path: string;
  file: string;
  shape: number[];
  newWidth: number;
  newHeight: number;
  top: number;
  bottom: number;
  left: number;
  right: number;
}


/** The oracle's float32 tensor file equals ours value for value. */
async function assertEqualsOracleTensor(file: string, want: { path: string; shape: number[] }, tensor: Float32Array, imgsz: number) {
  const bytes = await readFile(file);
  const ref = new Float32Array(bytes.buffer, bytes.byteOffset, bytes.length / 4);
  assert.deepEqual(want.shape, [3, imgsz, imgsz]);
  let differing = 0;
  for (let i = 0; i < ref.length; i++) if (ref[i] !== tensor[i]) differing++;
  assert.equal(differing, 0, `${want.path}: ${differing} of ${ref.length} values differ`);
}

for (const imgsz of [320, 640]) {
  test(`decode + letterbox equals Ultralytics LetterBox tensor exactly at imgsz ${imgsz}`, async () => {
    const dir = await mkdtemp(join(tmpdir(), 'eval-letterbox-'));
    try {
      const paths = await writeFixtureJpegs(dir);
      await runOracle('ultralytics_letterbox.py', [dir, String(imgsz), ...paths]);
      const { images } = JSON.parse(await readFile(join(dir, 'manifest.json'), 'utf8')) as { images: OracleImage[] };
      for (const want of images) {
        const { tensor, geometry } = letterbox(await decodeImageRgb(want.path), imgsz);
        assert.deepEqual(
          [geometry.newWidth, geometry.newHeight, geometry.top, geometry.bottom, geometry.left, geometry.right],
          [want.newWidth, want.newHeight, want.top, want.bottom, want.left, want.right],
          `${want.path}: geometry`,
        );
        await assertEqualsOracleTensor(join(dir, want.file), want, tensor, imgsz);
      }
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
}

interface ValOracleImage {
  path: string;
  file: string;
  shape: number[];
  gainX: number;
  gainY: number;
  padX: number;
  padY: number;
  origWidth: number;
  origHeight: number;
}

for (const imgsz of [320, 640]) {
  test(`val-style letterbox equals the tensors of Ultralytics' val dataloader exactly at imgsz ${imgsz}`, async () => {
    const dir = await mkdtemp(join(tmpdir(), 'eval-val-letterbox-'));
    try {
      const paths = await writeFixtureJpegs(dir);
      await runOracle('ultralytics_val_letterbox.py', [dir, String(imgsz), ...paths]);
      const { images } = JSON.parse(await readFile(join(dir, 'manifest.json'), 'utf8')) as { images: ValOracleImage[] };
      // Ultralytics' dataset check drops images under 10 pixels a side (the 900x3 fixture); all others must be there.
      assert.deepEqual(images.map((i) => i.path).sort(), paths.filter((p) => !p.endsWith('thin-900x3.jpg')).sort());
      let resizedDifferently = 0;
      for (const want of images) {
        const decoded = await decodeImageRgb(want.path);
        const { tensor, inverse } = letterbox(decoded, imgsz, 'val');
        const { inverse: predictInverse } = letterbox(decoded, imgsz, 'predict');
        if (predictInverse.gainX !== inverse.gainX || predictInverse.gainY !== inverse.gainY) resizedDifferently++;
        assert.deepEqual(
          inverse,
          { gainX: want.gainX, gainY: want.gainY, padX: want.padX, padY: want.padY, origWidth: want.origWidth, origHeight: want.origHeight },
          `${want.path}: ratio_pad`,
        );
        await assertEqualsOracleTensor(join(dir, want.file), want, tensor, imgsz);
      }
      // The fixtures must exercise what sets the two styles apart (sizes rounded up vs to nearest), or this test
      // would pass for a val style that is the predictor's.
      assert.ok(resizedDifferently > 0, 'no fixture image is scaled differently by the two styles');
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
}

test('padding is 114/255 in every channel, image is centred', () => {
  const data = new Uint8Array(4 * 2 * 3).fill(255);
  const { tensor, geometry } = letterbox({ data, width: 4, height: 2, channels: 3 }, 4);
  assert.deepEqual([geometry.top, geometry.bottom], [1, 1]);
  const pad = Math.fround(PAD_VALUE / 255);
  for (let c = 0; c < 3; c++) {
    const plane = Array.from(tensor.subarray(c * 16, (c + 1) * 16));
    assert.deepEqual(plane, [pad, pad, pad, pad, 1, 1, 1, 1, 1, 1, 1, 1, pad, pad, pad, pad]);
  }
});
