import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import sharp from 'sharp';
import { UserError } from '../../errors.ts';
import { withTempDir } from '../../testing/temp-dir.ts';
import { decodeImageRgb } from '../decode-image.ts';
import { letterbox } from '../letterbox.ts';
import { calibrationListSha256, selectCalibrationImages } from './select.ts';
import { calibrationFiles, writeCalibrationSet } from './write-set.ts';
import { selectTrainImages } from './train-images.ts';
import { artifactFiles, runLayout } from '../../layout.ts';
import { mkdir, writeFile as writeFileAsync } from 'node:fs/promises';

const names = (n: number, offset = 0) => Array.from({ length: n }, (_, i) => `${String(i + offset).padStart(12, '0')}.jpg`);

test('a fixed list spread evenly over the sorted train names, independent of listing order', () => {
  const train = names(1000);
  const a = selectCalibrationImages(train, names(10, 5000), 256, 'dataset');
  const b = selectCalibrationImages([...train].reverse(), [], 256, 'dataset');
  assert.equal(a.images.length, 256);
  assert.deepEqual(a.images, b.images);
  assert.equal(a.images[0], train[0]);
  assert.equal(a.images[1], train[3]); // floor(1 * 1000/256)
  assert.equal(new Set(a.images).size, 256);
  assert.equal(a.sha256, calibrationListSha256(a.images));
  assert.notEqual(a.sha256, selectCalibrationImages(train, [], 255, 'dataset').sha256);
});

test('a smaller train set is used whole; non-images are skipped', () => {
  const list = selectCalibrationImages([...names(5), 'labels.cache', 'notes.txt'], [], 256, 'dataset');
  assert.deepEqual(list.images, names(5));
  assert.equal(list.requested, 256);
});

test('never overlaps val, and bad counts are refused naming the place', () => {
  assert.throws(
    () => selectCalibrationImages(names(4), [names(4)[2]!], 4, 'dataset/images'),
    (e: unknown) => e instanceof UserError && /dataset\/images/.test(e.message) && /000000000002\.jpg' is also a val image/.test(e.message),
  );
  for (const bad of [0, -3, 2.5]) assert.throws(() => selectCalibrationImages(names(4), [], bad, 'conf/export.yaml'), /positive integer/);
  assert.throws(() => selectCalibrationImages([], [], 4, 'dataset'), /no train images/);
});

test('the written tensor is the evaluator letterbox of each image, in list order', () =>
  withTempDir(async (dir) => {
    const files = ['b.png', 'a.png'];
    await sharp({ create: { width: 40, height: 24, channels: 3, background: { r: 200, g: 10, b: 30 } } }).png().toFile(join(dir, 'a.png'));
    await sharp({ create: { width: 20, height: 50, channels: 3, background: { r: 5, g: 90, b: 250 } } }).png().toFile(join(dir, 'b.png'));
    const list = { images: files, requested: 2, sha256: calibrationListSha256(files) };
    const { tensorBytes } = await writeCalibrationSet(dir, list, 32, 'val', dir);
    assert.equal(tensorBytes, 2 * 3 * 32 * 32 * 4);
    const raw = await readFile(join(dir, calibrationFiles.tensor));
    const tensor = new Float32Array(raw.buffer, raw.byteOffset, raw.byteLength / 4);
    for (const [i, name] of files.entries()) {
      const expected = letterbox(await decodeImageRgb(join(dir, name)), 32, 'val').tensor;
      assert.deepEqual(tensor.subarray(i * 3072, (i + 1) * 3072), expected, name);
    }
    const meta = JSON.parse(await readFile(join(dir, calibrationFiles.meta), 'utf8'));
    assert.deepEqual(meta.shape, [2, 3, 32, 32]);
    assert.deepEqual(meta.images, files);
    assert.equal(meta.sha256, list.sha256);
  }));

test("a run's train images: the dataset's train folder, never a val name; a missing folder names the dataset target", () =>
  withTempDir(async (root) => {
    const layout = runLayout('t', root);
    await assert.rejects(selectTrainImages(layout, 2, 'conf/export.yaml: bnReestimation.images'), /images\/train2017: no images folder: run `npx nx run dataset:dataset` first/);
    for (const [split, files] of [[artifactFiles.trainImages, names(6)], [artifactFiles.valImages, names(2, 100)]] as const) {
      await mkdir(join(layout.dataset, split), { recursive: true });
      for (const f of files) await writeFileAsync(join(layout.dataset, split, f), '');
    }
    const { trainDir, list } = await selectTrainImages(layout, 3, 'conf/export.yaml: bnReestimation.images');
    assert.equal(trainDir, join(layout.dataset, artifactFiles.trainImages));
    assert.deepEqual(list.images, [names(6)[0], names(6)[2], names(6)[4]]);
  }));
