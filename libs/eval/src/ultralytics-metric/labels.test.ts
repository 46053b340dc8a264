import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { withTempDir } from '../../../core/src/testing/temp-dir.ts';
import { cocoIdOfYoloClass } from '../../../dataset/src/coco-classes.ts';
import { loadCocoInstances } from '../../../dataset/src/coco-reader.ts';
import { handmadeInstancesJson } from '../../../dataset/src/test-fixtures.ts';
import { cocoToYoloLabels, labelFileName } from '../../../dataset/src/yolo-labels.ts';
import type { CocoInstances } from '../coco/types.ts';
import { validationLabels } from './labels.ts';

test("keeps exactly the rows of the dataset stage's YOLO label files, in their order", async () => {
  const text = handmadeInstancesJson();
  const instances = JSON.parse(text) as CocoInstances;
  const fileNames = new Map((instances.images as { id: number; file_name: string }[]).map((image) => [image.id, image.file_name]));
  const ids = instances.images.map((image) => image.id).sort((a, b) => a - b);
  const labels = validationLabels(instances, new Map(ids.map((id, rank) => [id, rank])), new Set(cocoIdOfYoloClass));

  const { files } = await withTempDir(async (dir) => {
    await writeFile(join(dir, 'instances.json'), text);
    return cocoToYoloLabels(loadCocoInstances(join(dir, 'instances.json')), 'instances.json');
  });
  ids.forEach((id, rank) => {
    const rows = (files.get(labelFileName(fileNames.get(id)!)) ?? '').split('\n').filter(Boolean);
    const written = rows.map((row) => cocoIdOfYoloClass[Number(row.split(' ')[0])]);
    const kept = Array.from(labels.category.subarray(labels.start[rank], labels.start[rank + 1]));
    assert.deepEqual(kept, written, `image ${id}: the categories of its labels, in order`);
  });
  assert.ok(instances.annotations.length > labels.category.length, 'the fixture has crowd, zero-size and repeated boxes to leave out');
});

test('a label box is [x, y, x + w, y + h] in float32; a category without a model class is left out', () => {
  const instances: CocoInstances = {
    images: [{ id: 7 }, { id: 3 }],
    categories: [{ id: 1, name: 'a' }, { id: 2, name: 'b' }],
    annotations: [
      { id: 1, image_id: 7, category_id: 1, bbox: [0.1, 0.2, 10, 20], area: 200 },
      { id: 2, image_id: 3, category_id: 2, bbox: [1, 2, 3, 4], area: 12 },
      { id: 3, image_id: 3, category_id: 1, bbox: [5, 6, 7, 8], area: 56 },
    ],
  };
  const labels = validationLabels(instances, new Map([[3, 0], [7, 1]]), new Set([1]));
  assert.deepEqual([...labels.start], [0, 1, 2]);
  assert.deepEqual([...labels.category], [1, 1]);
  assert.deepEqual([...labels.box], [5, 6, 12, 14, 0.1, 0.2, 10.1, 20.2].map(Math.fround));
  assert.deepEqual([...labels.perCategory], [[1, 2]]);
});
