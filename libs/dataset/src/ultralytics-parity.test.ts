import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { convertAnnotationFile, convertCocoToYolo } from './convert-coco.ts';
import { generateSyntheticCoco } from './synthetic/generate.ts';
import { handmadeInstancesJson } from './test-fixtures.ts';
import { runPython, withTempDir } from './test-helpers.ts';

// The oracle: Ultralytics' own converter, run on the same annotation folder.
const convertCoco = `
import sys
from ultralytics.data.converter import convert_coco
convert_coco(sys.argv[1], sys.argv[2], use_segments=False, use_keypoints=False, cls91to80=True)
`;

// The same, then Ultralytics reading the written dataset exactly as training would: data.yaml, then each
// split's dataset (one Python process: importing Ultralytics takes seconds).
const convertCocoThenLoadDataset = `
import json, sys
from ultralytics.data.converter import convert_coco
from ultralytics.data.utils import check_det_dataset
from ultralytics.data.dataset import YOLODataset
convert_coco(sys.argv[1], sys.argv[2], use_segments=False, use_keypoints=False, cls91to80=True)
data = check_det_dataset(sys.argv[3])
result = {"nc": data["nc"], "names": data["names"]}
for split in ("train", "val"):
    dataset = YOLODataset(img_path=data[split], data=data, task="detect", imgsz=64, augment=False, cache=False, prefix=split)
    result[split] = {
        "images": sorted(dataset.im_files),
        "instances": int(sum(len(label["cls"]) for label in dataset.labels)),
    }
print("RESULT " + json.dumps(result))  # Ultralytics logs to stdout too
`;

const quiet = (): void => {};

test("label files equal Ultralytics' convert_coco byte for byte on the hand-made file", async () => {
  await withTempDir(async (dir) => {
    const annotations = join(dir, 'annotations');
    mkdirSync(annotations);
    writeFileSync(join(annotations, 'instances_val2017.json'), handmadeInstancesJson());
    convertAnnotationFile({ annotationFile: join(annotations, 'instances_val2017.json'), labelsDir: join(dir, 'ours', 'val2017'), log: quiet });
    await runPython(convertCoco, dir, { args: [annotations, join(dir, 'ultralytics')] });

    const theirs = readTree(join(dir, 'ultralytics', 'labels', 'val2017'));
    assert.equal(Object.keys(theirs).length, 6);
    assert.deepEqual(readTree(join(dir, 'ours', 'val2017')), theirs);
  });
});

test("the synthetic dataset converts like convert_coco, and Ultralytics loads the written dataset as is", async () => {
  await withTempDir(async (dir) => {
    const cocoRoot = join(dir, 'coco');
    const outDir = join(dir, 'yolo');
    await generateSyntheticCoco({ root: cocoRoot, trainImages: 24, valImages: 10, minSide: 96, maxSide: 160, seed: 5, log: quiet });
    const result = await convertCocoToYolo({ cocoRoot, outDir, log: quiet });
    const stdout = await runPython(convertCocoThenLoadDataset, dir, { args: [join(cocoRoot, 'annotations'), join(dir, 'ultralytics'), result.dataYaml] });
    for (const split of ['train2017', 'val2017']) {
      const theirs = readTree(join(dir, 'ultralytics', 'labels', split));
      assert.ok(Object.keys(theirs).length >= 5, `${split}: only ${Object.keys(theirs).length} label files`);
      assert.deepEqual(readTree(join(outDir, 'labels', split)), theirs, split);
    }

    const loaded = JSON.parse(stdout.split('\n').find((line) => line.startsWith('RESULT '))!.slice(7)) as {
      nc: number;
      names: Record<string, string>;
      train: { images: string[]; instances: number };
      val: { images: string[]; instances: number };
    };
    assert.equal(loaded.nc, 80);
    assert.deepEqual(Object.values(loaded.names), result.names);
    assert.equal(loaded.names['11'], 'square');
    assert.equal(loaded.train.images.length, 24);
    assert.equal(loaded.val.images.length, 10);
    assert.ok(loaded.train.images.every((path) => path.startsWith(join(outDir, 'images', 'train2017'))));
    assert.equal(loaded.train.instances, result.splits.train2017.counts.annotationsWritten);
    assert.equal(loaded.val.instances, result.splits.val2017.counts.annotationsWritten);
  });
});

/** Every file under `root` by relative path, with its bytes as text. */
function readTree(root: string): Record<string, string> {
  const files: Record<string, string> = {};
  for (const entry of readdirSync(root, { recursive: true, withFileTypes: true })) {
    if (entry.isFile()) {
      const path = join(entry.parentPath, entry.name);
      files[relative(root, path)] = readFileSync(path, 'latin1');
    }
  }
  return files;
}
