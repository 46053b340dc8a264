import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { UserError } from '../../core/src/errors.ts';
import { loadCocoInstances, readCocoInstancesFrom, type CocoInstances } from './coco-reader.ts';
import { bufferByteSource } from './json/byte-source.ts';
import { withTempDir } from './test-helpers.ts';

function load(text: string, chunkBytes = 1 << 16): CocoInstances {
  const data: CocoInstances = { images: [], categories: [], annotations: [] };
  readCocoInstancesFrom(
    bufferByteSource(Buffer.from(text), 'instances.json', chunkBytes),
    { image: (r) => data.images.push(r), category: (r) => data.categories.push(r), annotation: (r) => data.annotations.push(r) },
    { chunkBytes: Math.max(chunkBytes, 16) },
  );
  return data;
}

// Keys out of COCO's usual order, extra fields of every kind, segmentations as polygons and RLE.
const document = `{
  "annotations": [
    {"segmentation": [[1.5, 2, 3, 4, 5, 6]], "area": 12.5, "bbox": [1, 2.5, 3e1, 4], "iscrowd": 0, "category_id": 18,
     "image_id": 7, "id": 100, "keypoints": [1, 2, 2]},
    {"id": 101, "image_id": 9, "category_id": 1, "iscrowd": 1, "bbox": [0, 0, 10, 10],
     "segmentation": {"counts": [1, 2, 3], "size": [20, 30]}},
    {"image_id": 7, "category_id": 90, "bbox": [-1, -2, 0, 5], "id": 102, "iscrowd": true}
  ],
  "info": {"description": "t\\u00e9st", "nested": [[{}]]},
  "categories": [{"supercategory": "animal", "id": 18, "name": "dog"}, {"name": "pers\\u006fn", "id": 1}, {"id": 90, "name": "toothbrush"}],
  "licenses": [],
  "images": [{"file_name": "b.jpg", "height": 480, "width": 640, "id": 7, "coco_url": "http://x"},
             {"id": 9, "width": 10, "height": 20.5, "file_name": "sub/é.jpg"}]
}`;

test('reads images, categories and annotations whatever the key order, skipping other fields', () => {
  const expected: CocoInstances = {
    images: [
      { id: 7, fileName: 'b.jpg', width: 640, height: 480 },
      { id: 9, fileName: 'sub/é.jpg', width: 10, height: 20.5 },
    ],
    categories: [
      { id: 18, name: 'dog' },
      { id: 1, name: 'person' },
      { id: 90, name: 'toothbrush' },
    ],
    annotations: [
      { index: 0, id: 100, imageId: 7, categoryId: 18, bbox: [1, 2.5, 30, 4], iscrowd: false },
      { index: 1, id: 101, imageId: 9, categoryId: 1, bbox: [0, 0, 10, 10], iscrowd: true },
      { index: 2, id: 102, imageId: 7, categoryId: 90, bbox: [-1, -2, 0, 5], iscrowd: true },
    ],
  };
  for (const chunk of [1, 3, 1 << 16]) assert.deepEqual(load(document, chunk), expected);
});

test('loadCocoInstances reads a file and reports progress per chunk', async () => {
  await withTempDir((dir) => {
    const path = join(dir, 'instances_val2017.json');
    writeFileSync(path, document);
    const progress: number[] = [];
    const data = loadCocoInstances(path, { chunkBytes: 256, onProgress: (read, total) => progress.push(read / total) });
    assert.equal(data.annotations.length, 3);
    assert.ok(progress.length >= 3 && progress.at(-1) === 1, `progress ${progress}`);
  });
});

test('a missing file is a UserError naming it', () => {
  assert.throws(() => loadCocoInstances('/nonexistent/instances_x.json'), (error: unknown) => {
    assert.ok(error instanceof UserError);
    assert.match(error.message, /^\/nonexistent\/instances_x\.json: cannot open the annotation file \(ENOENT\)/);
    return true;
  });
});

const minimal = (patch: { images?: string; annotations?: string; categories?: string }): string =>
  `{"images": ${patch.images ?? '[{"id": 1, "file_name": "a.jpg", "width": 4, "height": 3}]'},` +
  ` "annotations": ${patch.annotations ?? '[{"id": 5, "image_id": 1, "category_id": 1, "bbox": [0, 0, 1, 1]}]'},` +
  ` "categories": ${patch.categories ?? '[{"id": 1, "name": "person"}]'}}`;

test('records of the wrong shape fail naming the file, the record, its id and byte offset', () => {
  const cases: Array<[string, RegExp]> = [
    [minimal({ images: '[{"id": 1, "file_name": "a.jpg", "width": 4}]' }), /^instances\.json: images\[0\] \(id 1\) at byte 12: "height" must be a positive number, it is missing$/],
    [minimal({ images: '[{"id": 1, "file_name": "a.jpg", "width": "4", "height": 3}]' }), /images\[0\] \(id 1\) at byte \d+: "width" must be a positive number, found "4"/],
    [minimal({ images: '[{"id": 1, "file_name": "a.jpg", "width": 0, "height": 3}]' }), /"width" must be a positive number, found 0/],
    [minimal({ images: '[{"id": 1.5, "file_name": "a.jpg", "width": 4, "height": 3}]' }), /images\[0\] \(id 1.5\) at byte \d+: "id" must be an integer, found 1.5/],
    [minimal({ images: '[{"id": 1, "width": 4, "height": 3}]' }), /"file_name" must be a non-empty string, it is missing/],
    [minimal({ images: '[7]' }), /images\[0\] at byte \d+: expected an object, found number/],
    [minimal({ images: '{}' }), /"images" at byte \d+: expected an array of records, found object/],
    [minimal({ annotations: '[{"id": 5, "image_id": 1, "category_id": 1}]' }), /annotations\[0\] \(id 5\) at byte \d+: "bbox" must be an array of 4 finite numbers \[x, y, width, height\], it is missing/],
    [minimal({ annotations: '[{"id": 5, "image_id": 1, "category_id": 1, "bbox": [0, 0, 1]}]' }), /"bbox" must be an array of 4 finite numbers.*found \[0,0,1\]/],
    [minimal({ annotations: '[{"id": 5, "image_id": 1, "category_id": 1, "bbox": [0, 0, 1, 1e999]}]' }), /"bbox" must be an array of 4 finite numbers/],
    [minimal({ annotations: '[{"id": 5, "image_id": 1, "category_id": 1, "bbox": [0, 0, 1, null]}]' }), /"bbox" must be an array of 4 finite numbers/],
    [minimal({ annotations: '[{"id": 5, "image_id": "1", "category_id": 1, "bbox": [0, 0, 1, 1]}]' }), /"image_id" must be an integer, found "1"/],
    [minimal({ annotations: '[{"id": 5, "image_id": 1, "bbox": [0, 0, 1, 1]}]' }), /"category_id" must be an integer, it is missing/],
    [minimal({ annotations: '[{"id": 5, "image_id": 1, "category_id": 1, "bbox": [0, 0, 1, 1], "iscrowd": "0"}]' }), /"iscrowd" must be 0, 1, true or false, found "0"/],
    [minimal({ categories: '[{"id": 1}]' }), /categories\[0\] \(id 1\) at byte \d+: "name" must be a non-empty string, it is missing/],
    ['[1, 2]', /the document at byte 0: expected a COCO instances object at the top level, found array/],
    ['{"images": [], "categories": []}', /^instances\.json: not a COCO instances file: the top-level "annotations" array is missing$/],
    ['{"images": [], "images": [], "annotations": [], "categories": []}', /"images" at byte \d+: appears twice at the top level/],
    [`${minimal({})} trailing`, /malformed JSON at byte \d+ \(line 1, column \d+\): expected the end of the document after the top-level value, found 't'/],
    [minimal({ annotations: '[{"id": 5, "segmentation": [[1, 2,, 3]], "image_id": 1}]' }), /malformed JSON at byte \d+ \(line 1, column \d+\): expected a JSON value, found ','/],
  ];
  for (const [text, message] of cases) {
    assert.throws(
      () => load(text),
      (error: unknown) => {
        assert.ok(error instanceof UserError, `not a UserError: ${String(error)}`);
        assert.equal(error.where, 'instances.json');
        assert.match(error.message, message);
        return true;
      },
      text,
    );
  }
});
