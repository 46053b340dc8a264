import { test } from 'node:test';
import assert from 'node:assert/strict';
import { UserError } from '../../core/src/errors.ts';
import { yoloClassNames, yoloClassOfCocoId, cocoClassNames } from './coco-classes.ts';
import { readCocoInstancesFrom, type CocoAnnotation, type CocoInstances } from './coco-reader.ts';
import { bufferByteSource } from './json/byte-source.ts';
import { handmadeExpectedLabels, handmadeInstancesJson } from './test-fixtures.ts';
import { cocoToYoloLabels, labelFileName } from './yolo-labels.ts';

function parse(text: string): CocoInstances {
  const data: CocoInstances = { images: [], categories: [], annotations: [] };
  readCocoInstancesFrom(bufferByteSource(Buffer.from(text), 'instances_val2017.json'), {
    image: (r) => data.images.push(r),
    category: (r) => data.categories.push(r),
    annotation: (r) => data.annotations.push(r),
  });
  return data;
}

test('converts the hand-made file: rows, skips, empty and missing label files, counts', () => {
  const { files, counts } = cocoToYoloLabels(parse(handmadeInstancesJson()), 'instances_val2017.json');
  assert.equal(files.get('000000000001.txt'), handmadeExpectedLabels['000000000001.txt']);
  assert.deepEqual([...files.keys()].sort(), [
    '000000000001.txt',
    '000000000002.txt',
    '000000000004.txt',
    '000000000006.txt',
    'name.with.dots.txt',
    'sub/dir/000000000005.txt',
  ]);
  assert.equal(files.get('000000000004.txt'), '', 'an image whose only box is a crowd gets an empty file');
  assert.equal(files.has('000000000003.txt'), false, 'an image without annotations gets no file');
  assert.equal(files.get('sub/dir/000000000005.txt')?.split('\n')[0], '0 0.000488281 0.000488281 0.000976562 0.000976562');
  assert.equal(files.get('000000000006.txt'), '16 0.08003 0.503218 0.1 1\n');
  assert.deepEqual(counts, {
    images: 7,
    labelledImages: 5,
    backgroundImages: 2,
    labelFiles: 6,
    annotations: 22,
    annotationsWritten: 17,
    skipped: { crowd: 2, zero_size: 2, unknown_category: 0, duplicate: 1 },
    perClass: perClass({ 0: 6, 11: 1, 16: 3, 24: 1, 39: 1, 59: 1, 60: 1, 79: 3 }),
  });
});

test('a category outside the 80 is skipped and counted; the checks run in Ultralytics order', () => {
  const data = parse(handmadeInstancesJson());
  const extra = (id: number, patch: Partial<CocoAnnotation>): CocoAnnotation => ({
    index: 100 + id, id, imageId: 3, categoryId: 1, bbox: [1, 1, 2, 2], iscrowd: false, ...patch,
  });
  data.annotations.push(extra(1001, { categoryId: 12 }), extra(1002, { categoryId: 12, iscrowd: true }), extra(1003, { categoryId: 12, bbox: [1, 1, 0, 2] }));
  data.categories.push({ id: 200, name: 'beyond 91' });
  data.annotations.push(extra(1004, { categoryId: 200 }));
  const { files, counts } = cocoToYoloLabels(data, 'x.json');
  assert.equal(files.get('000000000003.txt'), '');
  assert.deepEqual(counts.skipped, { crowd: 3, zero_size: 3, unknown_category: 2, duplicate: 1 });
  assert.equal(counts.backgroundImages, 2, 'image 3 now has a label file, but an empty one');
  assert.equal(counts.labelFiles, 7);
});

test('structural problems fail naming the file and the record', () => {
  const cases: Array<[(data: CocoInstances) => void, RegExp]> = [
    [(d) => (d.annotations[3]!.imageId = 42), /^x\.json: annotations\[3\] \(id 4\): image_id 42 is not the id of any record in "images"$/],
    [(d) => (d.annotations[0]!.categoryId = 2), /^x\.json: annotations\[0\] \(id 1\): category_id 2 is not declared in "categories"$/],
    [(d) => (d.images[2]!.id = 1), /^x\.json: images\[2\] \(id 1\): the image id is used by an earlier image record too$/],
    [(d) => (d.images[2]!.fileName = '000000000001.jpg'), /images\[2\] \(id 3\): file_name "000000000001.jpg" is used by an earlier image record too/],
    [(d) => (d.images[0]!.fileName = '../escape.jpg'), /images\[0\] \(id 1\): file_name "..\/escape.jpg" must not contain empty, '.' or '..' parts/],
    [(d) => (d.images[0]!.fileName = '/abs.jpg'), /file_name "\/abs.jpg" must be a relative path/],
    [(d) => d.categories.push({ id: 13, name: 'again' }), /^x\.json: categories\[9\] \(id 13\): the category id is declared twice$/],
  ];
  for (const [corrupt, message] of cases) {
    const data = parse(handmadeInstancesJson());
    corrupt(data);
    assert.throws(() => cocoToYoloLabels(data, 'x.json'), (error: unknown) => error instanceof UserError && message.test(error.message));
  }
});

test("label file names follow pathlib's with_suffix('.txt')", () => {
  assert.equal(labelFileName('000000000139.jpg'), '000000000139.txt');
  assert.equal(labelFileName('a.b.jpeg'), 'a.b.txt');
  assert.equal(labelFileName('noext'), 'noext.txt');
  assert.equal(labelFileName('.hidden'), '.hidden.txt');
  assert.equal(labelFileName('trailing.'), 'trailing..txt');
  assert.equal(labelFileName('dir.v2/img'), 'dir.v2/img.txt');
  assert.equal(labelFileName('dir/img.png'), 'dir/img.txt');
});

test('the 91->80 map and class names', () => {
  assert.equal(yoloClassOfCocoId(1), 0);
  assert.equal(yoloClassOfCocoId(11), 10);
  assert.equal(yoloClassOfCocoId(12), undefined);
  assert.equal(yoloClassOfCocoId(13), 11);
  assert.equal(yoloClassOfCocoId(90), 79);
  assert.equal(yoloClassOfCocoId(91), undefined);
  assert.equal(yoloClassOfCocoId(0), undefined);
  const names = yoloClassNames([
    { file: 'train.json', categories: [{ id: 13, name: 'square' }, { id: 12, name: 'unmapped' }] },
    { file: 'val.json', categories: [{ id: 13, name: 'square' }, { id: 90, name: 'cross' }] },
  ]);
  assert.equal(names.length, 80);
  assert.equal(names[11], 'square');
  assert.equal(names[79], 'cross');
  assert.equal(names[0], cocoClassNames[0]);
  assert.throws(
    () => yoloClassNames([{ file: 'train.json', categories: [{ id: 13, name: 'square' }] }, { file: 'val.json', categories: [{ id: 13, name: 'box' }] }]),
    /val\.json: category id 13 is named "box" here but "square" in train\.json/,
  );
});

function perClass(counts: Record<number, number>): number[] {
  return Array.from({ length: 80 }, (_, i) => counts[i] ?? 0);
}
