import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { UserError } from '../errors.ts';
import sharp from 'sharp';
import { decodeImageRgb, hasAdobeMarker, jpegComponentCount } from './decode-image.ts';
import { runOracle } from './testing/run-oracle.ts';
import { writeFixtureJpegs } from './testing/fixture-images.ts';

test('sharp decoding equals Ultralytics imread (cv2) byte for byte, EXIF, gray, ICC and CMYK included', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'eval-decode-'));
  try {
    const paths = await writeFixtureJpegs(dir);
    await runOracle('cv2_decode.py', [dir, ...paths]);
    const { images } = JSON.parse(await readFile(join(dir, 'manifest.json'), 'utf8')) as {
      images: { path: string; ok: boolean; file: string; width: number; height: number }[];
    };
    assert.equal(images.length, paths.length);
    for (const want of images) {
      assert.ok(want.ok, `cv2 could not read ${want.path}`);
      const got = await decodeImageRgb(want.path);
      assert.deepEqual([got.width, got.height], [want.width, want.height], `${want.path}: size (EXIF orientation)`);
      const ref = new Uint8Array(await readFile(join(dir, want.file)));
      let differing = 0;
      for (let i = 0; i < ref.length; i++) if (ref[i] !== got.data[i]) differing++;
      assert.equal(differing, 0, `${want.path}: ${differing} of ${ref.length} bytes differ from cv2`);
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('missing, empty and corrupt images are UserErrors naming the file', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'eval-decode-bad-'));
  try {
    const [good] = await writeFixtureJpegs(dir);
    const bytes = await readFile(good!);
    const truncated = join(dir, 'truncated.jpg');
    await writeFile(truncated, bytes.subarray(0, Math.floor(bytes.length / 2)));
    const garbage = join(dir, 'garbage.jpg');
    await writeFile(garbage, Buffer.from('this is not an image'));
    const empty = join(dir, 'empty.jpg');
    await writeFile(empty, Buffer.alloc(0));
    const missing = join(dir, 'missing.jpg');
    for (const [path, pattern] of [
      [missing, /not found/],
      [empty, /empty/],
      [garbage, /cannot decode/],
      [truncated, /cannot decode/],
    ] as const) {
      await assert.rejects(decodeImageRgb(path), (e: unknown) => e instanceof UserError && e.message.includes(path) && pattern.test(e.message));
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('hasAdobeMarker finds APP14 Adobe only in the header', () => {
  const app14 = [0xff, 0xee, 0x00, 0x0e, ...Buffer.from('Adobe'), 0, 100, 0, 0, 0, 0, 2];
  assert.equal(hasAdobeMarker(Uint8Array.from([0xff, 0xd8, ...app14, 0xff, 0xda, 0, 2])), true);
  assert.equal(hasAdobeMarker(Uint8Array.from([0xff, 0xd8, 0xff, 0xda, 0, 2, ...app14])), false);
});

test('the JPEG frame header gives the component count that decides the CMYK path, as sharp reads it', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'eval-sof-'));
  try {
    for (const path of await writeFixtureJpegs(dir)) {
      const bytes = await readFile(path);
      const { channels, space } = await sharp(bytes).metadata();
      assert.equal(jpegComponentCount(bytes), channels, path);
      assert.equal(jpegComponentCount(bytes) === 4, space === 'cmyk', path);
    }
    assert.equal(jpegComponentCount(Buffer.from('\x89PNG\r\n\x1a\n', 'binary')), null);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
