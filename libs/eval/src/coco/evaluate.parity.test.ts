import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { cocoStatKeys } from '../../../core/src/vocabulary.ts';
import { evaluateCocoBbox } from './evaluate.ts';
import { IOU_THRESHOLDS, RECALL_THRESHOLDS } from './params.ts';
import { randomCocoCase, type CocoCase } from '../../testing/coco/random-case.ts';
import { runReference, type ReferenceReport } from '../../testing/coco/reference.ts';
import type { CocoBboxEvaluation } from './types.ts';

/**
 * Parity with pycocotools: random cases (seeded) plus a few degenerate ones are evaluated here and by
 * pycocotools in one Python process, and every summary stat and per-category AP must be bit-identical.
 */

const SEEDS = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10];

function degenerateCases(): { name: string; coco: CocoCase }[] {
  const base = randomCocoCase(101);
  return [
    { name: 'no detections at all', coco: { instances: base.instances, results: [] } },
    { name: 'no ground truth annotations', coco: { instances: { ...base.instances, annotations: [] }, results: base.results } },
    {
      name: 'only crowd ground truth',
      coco: { instances: { ...base.instances, annotations: base.instances.annotations.map((a) => ({ ...a, iscrowd: 1 })) }, results: base.results },
    },
  ];
}

const cases: { name: string; coco: CocoCase }[] = [
  ...SEEDS.map((seed) => ({ name: `seed ${seed}`, coco: randomCocoCase(seed) })),
  ...degenerateCases(),
];

let workDir = '';
let reference: ReferenceReport[] = [];

before(async () => {
  workDir = await mkdtemp(join(tmpdir(), 'coco-parity-'));
  const files = await Promise.all(
    cases.map(async ({ coco }, i) => {
      const instances = join(workDir, `instances-${i}.json`);
      const results = join(workDir, `results-${i}.json`);
      await writeFile(instances, JSON.stringify(coco.instances));
      await writeFile(results, JSON.stringify(coco.results));
      return { instances, results };
    }),
  );
  reference = await runReference('pycocotools', files, workDir);
});

after(async () => {
  if (workDir) await rm(workDir, { recursive: true, force: true });
});

describe('evaluateCocoBbox matches pycocotools bit for bit', () => {
  it('uses the same IoU and recall thresholds as numpy.linspace', () => {
    assert.deepEqual([...IOU_THRESHOLDS], reference[0]!.iouThrs);
    assert.deepEqual([...RECALL_THRESHOLDS], reference[0]!.recThrs);
  });

  cases.forEach(({ name, coco }, i) => {
    it(name, () => {
      const ours = evaluateCocoBbox(coco.instances, coco.results);
      const theirs = reference[i]!;
      assertIdentical(ours.stats, theirs.stats, 'stats');
      assert.deepEqual(
        ours.perCategory.map((c) => c.categoryId),
        theirs.perCategory.map((c) => c.categoryId),
      );
      assertIdentical(ours.perCategory.map((c) => c.ap), theirs.perCategory.map((c) => c.ap), 'per-category AP');
      assertIdentical(ours.perCategory.map((c) => c.ap50), theirs.perCategory.map((c) => c.ap50), 'per-category AP50');
      assert.deepEqual(ours.perCategory.map((c) => c.gtCount), theirs.perCategory.map((c) => c.gtCount));
      assertNamedStats(ours);
    });
  });

  it('exercises the corner cases it claims to (guards the generator)', () => {
    const all = SEEDS.map((seed) => randomCocoCase(seed));
    const annotations = all.flatMap((c) => c.instances.annotations);
    const results = all.flatMap((c) => c.results);
    assert.ok(annotations.some((a) => a.iscrowd === 1), 'crowd ground truth');
    assert.ok(annotations.some((a) => a.area === 32 ** 2) && annotations.some((a) => a.area === 96 ** 2), 'areas on range boundaries');
    assert.ok(annotations.some((a) => a.bbox[2] === 0 || a.bbox[3] === 0), 'zero-area ground truth');
    assert.ok(results.some((r) => r.bbox[2] === 0 || r.bbox[3] === 0), 'zero-area detections');
    for (const { instances, results: dets } of all) {
      const perCell = new Map<string, number>();
      for (const r of dets) perCell.set(`${r.image_id}/${r.category_id}`, (perCell.get(`${r.image_id}/${r.category_id}`) ?? 0) + 1);
      assert.ok([...perCell.values()].some((n) => n > 100), 'an image and category with more than 100 detections');
      const scores = dets.map((r) => r.score);
      assert.ok(new Set(scores).size < scores.length, 'tied scores');
      const withGt = new Set(instances.annotations.map((a) => a.image_id));
      const withDets = new Set(dets.map((r) => r.image_id));
      assert.ok(instances.images.some((im) => !withGt.has(im.id)), 'an image without ground truth');
      assert.ok(instances.images.some((im) => !withDets.has(im.id)), 'an image without detections');
      const gtCategories = new Set(instances.annotations.map((a) => a.category_id));
      assert.ok(instances.categories.some((c) => !gtCategories.has(c.id)), 'a category without ground truth');
    }
  });
});

function assertIdentical(ours: readonly number[], theirs: readonly number[], what: string): void {
  assert.equal(ours.length, theirs.length, `${what}: length`);
  ours.forEach((value, i) => {
    assert.ok(Math.abs(value - theirs[i]!) <= 1e-9, `${what}[${i}]: ours ${value}, pycocotools ${theirs[i]}`);
    assert.ok(Object.is(value, theirs[i]), `${what}[${i}]: ours ${value} is close to but not bit-identical with pycocotools ${theirs[i]}`);
  });
}

function assertNamedStats(evaluation: CocoBboxEvaluation): void {
  const named = cocoStatKeys.map((key) => evaluation[key]);
  assert.deepEqual(named, evaluation.stats);
}
