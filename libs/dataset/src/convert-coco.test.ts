import { test } from 'node:test';
import assert from 'node:assert/strict';
import { lstatSync, mkdirSync, readFileSync, readlinkSync, renameSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { parse } from 'yaml';
import { fsUserError, UserError } from '../../core/src/errors.ts';
import { sha256File } from '../../core/src/hashing.ts';
import { cocoClassNames } from './coco-classes.ts';
import { convertCocoToYolo } from './convert-coco.ts';
import { handmadeExpectedLabels, handmadeInstancesJson } from './test-fixtures.ts';
import { withTempDir } from './test-helpers.ts';

const trainJson = JSON.stringify({
  images: [
    { id: 10, file_name: 't1.jpg', width: 200, height: 100 },
    { id: 11, file_name: 't2.jpg', width: 200, height: 100 },
  ],
  annotations: [{ id: 1, image_id: 10, category_id: 13, bbox: [0, 0, 100, 50], iscrowd: 0 }],
  categories: [{ id: 13, name: 'stop sign' }, { id: 2, name: 'two-wheeler' }, { id: 1, name: 'person' }],
});

/** A COCO root with the hand-made file as val2017 and a tiny train2017, each image an empty file. */
function makeCocoRoot(root: string): void {
  mkdirSync(join(root, 'annotations'), { recursive: true });
  writeFileSync(join(root, 'annotations', 'instances_val2017.json'), handmadeInstancesJson());
  writeFileSync(join(root, 'annotations', 'instances_train2017.json'), trainJson);
  const images = {
    val2017: ['000000000001.jpg', '000000000002.jpg', '000000000003.jpg', '000000000004.jpg', 'sub/dir/000000000005.jpg', '000000000006.png', 'name.with.dots.jpg', 'not-listed.jpg'],
    train2017: ['t1.jpg', 't2.jpg'],
  };
  for (const [split, names] of Object.entries(images)) {
    for (const name of names) {
      mkdirSync(dirname(join(root, split, name)), { recursive: true });
      writeFileSync(join(root, split, name), `image ${name}`);
    }
  }
}

test('writes image symlinks, label files and data.yaml, and returns provenance', async () => {
  await withTempDir(async (dir) => {
    const cocoRoot = join(dir, 'coco');
    makeCocoRoot(cocoRoot);
    const outDir = join(dir, 'staging');
    const lines: string[] = [];
    const result = await convertCocoToYolo({ cocoRoot, outDir, datasetPath: join(dir, 'final'), log: (line) => lines.push(line) });

    const link = join(outDir, 'images', 'val2017', 'sub', 'dir', '000000000005.jpg');
    assert.ok(lstatSync(link).isSymbolicLink(), 'images are symlinks, not copies');
    assert.equal(readlinkSync(link), join(cocoRoot, 'val2017', 'sub', 'dir', '000000000005.jpg'));
    assert.equal(readFileSync(join(outDir, 'images', 'train2017', 't2.jpg'), 'utf8'), 'image t2.jpg');
    assert.throws(() => lstatSync(join(outDir, 'images', 'val2017', 'not-listed.jpg')), 'only listed images are linked');

    assert.equal(readFileSync(join(outDir, 'labels', 'val2017', '000000000001.txt'), 'utf8'), handmadeExpectedLabels['000000000001.txt']);
    assert.equal(readFileSync(join(outDir, 'labels', 'val2017', '000000000004.txt'), 'utf8'), '');
    assert.equal(readFileSync(join(outDir, 'labels', 'train2017', 't1.txt'), 'utf8'), '11 0.25 0.25 0.5 0.5\n');
    assert.throws(() => lstatSync(join(outDir, 'labels', 'train2017', 't2.txt')));

    const yaml = parse(readFileSync(result.dataYaml, 'utf8')) as { path: string; train: string; val: string; names: Record<string, string> };
    assert.equal(yaml.path, join(dir, 'final'));
    assert.equal(yaml.train, 'images/train2017');
    assert.equal(yaml.val, 'images/val2017');
    assert.deepEqual(Object.keys(yaml.names), Array.from({ length: 80 }, (_, i) => String(i)));
    assert.equal(yaml.names['1'], 'two-wheeler', 'a declared name wins over COCO’s');
    assert.equal(yaml.names['11'], 'stop sign');
    assert.equal(yaml.names['16'], 'dog');
    assert.equal(yaml.names['2'], cocoClassNames[2], 'undeclared slots keep COCO’s name');

    const val = result.splits.val2017;
    assert.equal(val.annotationFile, join(cocoRoot, 'annotations', 'instances_val2017.json'));
    assert.equal(val.annotationSha256, await sha256File(val.annotationFile));
    assert.equal(val.imagesDir, join(cocoRoot, 'val2017'));
    assert.equal(val.counts.annotationsWritten, 17);
    assert.deepEqual(result.splits.train2017.counts.skipped, { crowd: 0, zero_size: 0, unknown_category: 0, duplicate: 0 });
    assert.equal(result.splits.train2017.counts.backgroundImages, 1);
    assert.ok(result.elapsedSeconds > 0);
    assert.deepEqual(lines.filter((line) => /parsed|written:|links made:/.test(line)), [], 'no progress lines for tiny inputs');
    assert.equal(lines.length, 2, 'one summary line per split');
  });
});

test('a source inside the output folder is linked relatively, so the folder can be renamed into place', async () => {
  await withTempDir(async (dir) => {
    const staging = join(dir, '.staging');
    makeCocoRoot(join(staging, 'source'));
    await convertCocoToYolo({ cocoRoot: join(staging, 'source'), outDir: staging, datasetPath: join(dir, 'final'), log: () => {} });
    const link = join('images', 'val2017', 'sub', 'dir', '000000000005.jpg');
    assert.equal(readlinkSync(join(staging, link)), join('..', '..', '..', '..', 'source', 'val2017', 'sub', 'dir', '000000000005.jpg'));
    renameSync(staging, join(dir, 'final'));
    assert.equal(readFileSync(join(dir, 'final', link), 'utf8'), 'image sub/dir/000000000005.jpg');
    assert.equal(readFileSync(join(dir, 'final', 'images', 'train2017', 't1.jpg'), 'utf8'), 'image t1.jpg');
  });
});

test('missing inputs fail naming the path, the image and the annotation file', async () => {
  await withTempDir(async (dir) => {
    const cocoRoot = join(dir, 'coco');
    const attempt = (): Promise<unknown> => convertCocoToYolo({ cocoRoot, outDir: join(dir, 'out', String(Math.random())), log: () => {} });
    const rejectsWith = async (message: RegExp): Promise<void> => {
      await assert.rejects(attempt, (error: unknown) => {
        assert.ok(error instanceof UserError, String(error));
        assert.match(error.message, message);
        return true;
      });
    };
    await rejectsWith(new RegExp(`^${cocoRoot}: the COCO root folder does not exist`));
    makeCocoRoot(cocoRoot);
    rmSync(join(cocoRoot, 'val2017', '000000000006.png'));
    await rejectsWith(
      new RegExp(`^${cocoRoot}/annotations/instances_val2017.json: images\\[5\\] \\(id 6\\): image file "000000000006.png" is not in ${cocoRoot}/val2017$`),
    );
    rmSync(join(cocoRoot, 'val2017', 'sub'), { recursive: true });
    await rejectsWith(/images\[4\] \(id 5\): image file "sub\/dir\/000000000005.jpg" is not in/);
    rmSync(join(cocoRoot, 'annotations', 'instances_train2017.json'));
    await rejectsWith(new RegExp(`^${cocoRoot}/annotations/instances_train2017.json: the train2017 annotation file does not exist`));
    mkdirSync(join(cocoRoot, 'annotations', 'instances_train2017.json'));
    await rejectsWith(new RegExp(`^${cocoRoot}/annotations/instances_train2017.json: expected a file here`));
    rmSync(join(cocoRoot, 'annotations', 'instances_train2017.json'), { recursive: true });
    writeFileSync(join(cocoRoot, 'annotations', 'instances_train2017.json'), trainJson);
    rmSync(join(cocoRoot, 'val2017'), { recursive: true });
    await rejectsWith(new RegExp(`^${cocoRoot}/val2017: the val2017 image folder does not exist`));
  });
});

test('a symlink loop or an unreadable input is one line naming the path, not a stack trace', async () => {
  await withTempDir(async (dir) => {
    const cocoRoot = join(dir, 'coco');
    makeCocoRoot(cocoRoot);
    rmSync(join(cocoRoot, 'val2017'), { recursive: true });
    symlinkSync('val2017', join(cocoRoot, 'val2017')); // a link to itself: ELOOP
    await assert.rejects(
      convertCocoToYolo({ cocoRoot, outDir: join(dir, 'out'), log: () => {} }),
      (error: unknown) => error instanceof UserError && error.message === `${cocoRoot}/val2017: cannot read the val2017 image folder (ELOOP: too many symbolic links encountered)`,
    );
    assert.throws(() => lstatSync(join(dir, 'out')), 'nothing was written');
  });
  // As root, chmod cannot make a file unreadable: the mapping of an EACCES is checked on the error itself.
  const denied = Object.assign(new Error("EACCES: permission denied, open '/x/instances_val2017.json'"), { code: 'EACCES' });
  const mapped = fsUserError(denied, '/x/instances_val2017.json', 'the val2017 annotation file');
  assert.ok(mapped instanceof UserError);
  assert.equal(mapped.message, '/x/instances_val2017.json: cannot read the val2017 annotation file (EACCES: permission denied)');
  const bug = new TypeError('not a filesystem problem');
  assert.equal(fsUserError(bug, '/x', 'y'), bug);
});
