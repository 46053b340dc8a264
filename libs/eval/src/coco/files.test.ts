import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { UserError } from '../../../core/src/errors.ts';
import { evaluateCocoBbox } from './evaluate.ts';
import { loadCocoInstancesFile, loadCocoResultsFile } from './files.ts';
import type { CocoInstances } from './types.ts';

const instances: CocoInstances = {
  images: [{ id: 1 }, { id: 2 }],
  categories: [
    { id: 1, name: 'person' },
    { id: 3, name: 'car' },
  ],
  annotations: [
    { id: 10, image_id: 1, category_id: 1, bbox: [0, 0, 10, 10], area: 100, iscrowd: 0 },
    { id: 11, image_id: 2, category_id: 3, bbox: [5, 5, 20, 10], area: 150, iscrowd: 1 },
  ],
};
const detection = { image_id: 1, category_id: 1, bbox: [0, 0, 10, 10], score: 0.9 };

let dir = '';
before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'coco-files-'));
});
after(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
});

async function fileWith(name: string, text: string): Promise<string> {
  const path = join(dir, name);
  await writeFile(path, text);
  return path;
}

/** Asserts a UserError whose message names the file and matches `pattern`. */
async function rejectsNaming(promise: Promise<unknown>, path: string, pattern: RegExp): Promise<void> {
  await assert.rejects(promise, (error: unknown) => {
    assert.ok(error instanceof UserError, `expected a UserError, got ${String(error)}`);
    assert.ok(error.message.startsWith(`${path}: `), `message should start with the file: ${error.message}`);
    assert.match(error.message, pattern);
    return true;
  });
}

describe('loadCocoInstancesFile', () => {
  it('returns a well-formed instances file', async () => {
    const path = await fileWith('ok-instances.json', JSON.stringify(instances));
    assert.deepEqual(await loadCocoInstancesFile(path), instances);
  });

  const broken: [string, (i: CocoInstances) => unknown, RegExp][] = [
    ['no annotations list', (i) => ({ images: i.images, categories: i.categories }), /annotations: expected an array, got nothing/],
    ['a missing bbox', (i) => withAnnotation(i, 1, { bbox: undefined }), /annotations\[1\]\.bbox: expected \[x, y, width, height\]/],
    ['a negative width', (i) => withAnnotation(i, 0, { bbox: [0, 0, -1, 4] }), /annotations\[0\]\.bbox: .*got \[0, 0, -1, 4\]/],
    ['a missing area', (i) => withAnnotation(i, 1, { area: undefined }), /annotations\[1\]\.area: expected a finite number >= 0, got nothing/],
    ['an unknown image id', (i) => withAnnotation(i, 1, { image_id: 99 }), /annotations\[1\]\.image_id: 99 is not an image id/],
    ['an unknown category id', (i) => withAnnotation(i, 0, { category_id: 2 }), /annotations\[0\]\.category_id: 2 is not a category id/],
    ['a repeated annotation id', (i) => withAnnotation(i, 1, { id: 10 }), /annotations\[1\]\.id: annotation id 10 appears twice/],
    ['annotation id 0', (i) => withAnnotation(i, 0, { id: 0 }), /annotations\[0\]\.id: annotation id 0 is not allowed/],
    ['a bad iscrowd', (i) => withAnnotation(i, 0, { iscrowd: 2 }), /annotations\[0\]\.iscrowd: expected 0 or 1, got 2/],
    ['a repeated image id', (i) => ({ ...i, images: [{ id: 1 }, { id: 1 }] }), /images\[1\]\.id: image id 1 appears twice/],
    ['a category without a name', (i) => ({ ...i, categories: [{ id: 1 }] }), /categories\[0\]\.name: expected a string/],
  ];
  for (const [what, edit, pattern] of broken) {
    it(`rejects ${what}`, async () => {
      const path = await fileWith('bad-instances.json', JSON.stringify(edit(instances)));
      await rejectsNaming(loadCocoInstancesFile(path), path, pattern);
    });
  }

  it('rejects text that is not JSON, and a missing file', async () => {
    const path = await fileWith('not-json.json', '{"images": [');
    await rejectsNaming(loadCocoInstancesFile(path), path, /must be valid JSON/);
    const missing = join(dir, 'missing.json');
    await rejectsNaming(loadCocoInstancesFile(missing), missing, /cannot read a COCO instances file: ENOENT/);
  });
});

describe('loadCocoResultsFile', () => {
  it('returns well-formed results', async () => {
    const path = await fileWith('ok-results.json', JSON.stringify([detection, { ...detection, image_id: 2, category_id: 3 }]));
    assert.equal((await loadCocoResultsFile(path, instances)).length, 2);
  });

  const broken: [string, string, RegExp][] = [
    ['not an array', JSON.stringify({ results: [] }), /expected a JSON array of detections/],
    ['a missing bbox', JSON.stringify([detection, { ...detection, bbox: undefined }]), /results\[1\]\.bbox: expected .* got nothing/],
    ['a three-number bbox', JSON.stringify([{ ...detection, bbox: [1, 2, 3] }]), /results\[0\]\.bbox: .*got \[1, 2, 3\]/],
    ['a negative height', JSON.stringify([detection, detection, { ...detection, bbox: [0, 0, 4, -2] }]), /results\[2\]\.bbox/],
    ['an overflowing number', '[{"image_id": 1, "category_id": 1, "bbox": [0, 0, 1e999, 1], "score": 0.5}]', /results\[0\]\.bbox: .*Infinity/],
    ['a missing score', JSON.stringify([{ ...detection, score: undefined }]), /results\[0\]\.score: expected a finite number, got nothing/],
    ['an unknown image id', JSON.stringify([detection, { ...detection, image_id: 7 }]), /results\[1\]\.image_id: 7 is not an image id of the ground truth/],
    ['an unknown category id', JSON.stringify([{ ...detection, category_id: 2 }]), /results\[0\]\.category_id: 2 is not a category id of the ground truth/],
    ['NaN written by Python', '[{"image_id": 1, "category_id": 1, "bbox": [0, 0, 1, 1], "score": NaN}]', /contains NaN or Infinity/],
  ];
  for (const [what, text, pattern] of broken) {
    it(`rejects ${what}`, async () => {
      const path = await fileWith('bad-results.json', text);
      await rejectsNaming(loadCocoResultsFile(path, instances), path, pattern);
    });
  }
});

describe('evaluateCocoBbox input checks', () => {
  it('rejects in-memory results with unknown ids or non-finite numbers, naming the source', () => {
    assert.throws(
      () => evaluateCocoBbox(instances, [{ ...detection, image_id: 5 }], { resultsSource: 'dets.json' }),
      (e: unknown) => e instanceof UserError && /^dets\.json: results\[0\]\.image_id: 5 is not an image id/.test(e.message),
    );
    assert.throws(
      () => evaluateCocoBbox(instances, [{ ...detection, score: Number.NaN }]),
      (e: unknown) => e instanceof UserError && /^results: results\[0\]\.score: expected a finite number, got NaN/.test(e.message),
    );
  });

  it('scores a lone perfect detection as pycocotools does, and leaves categories without usable ground truth at -1', () => {
    const evaluation = evaluateCocoBbox(instances, [detection]);
    // Precision is tp / (tp + fp + 2^-52), just below 1 for one detection; numpy's mean of 1010 and of 101
    // such values rounds to these (checked with numpy 2.4).
    assert.equal(evaluation.mAP50_95, 0.9999999999999998);
    assert.deepEqual(
      evaluation.perCategory.map((c) => [c.categoryId, c.name, c.ap, c.ap50, c.gtCount]),
      [
        [1, 'person', 0.9999999999999998, 0.9999999999999999, 1],
        [3, 'car', -1, -1, 0], // its only box is a crowd region
      ],
    );
    assert.equal(evaluation.APl, -1);
  });
});

function withAnnotation(i: CocoInstances, index: number, change: Record<string, unknown>): unknown {
  return { ...i, annotations: i.annotations.map((a, j) => (j === index ? { ...a, ...change } : a)) };
}
