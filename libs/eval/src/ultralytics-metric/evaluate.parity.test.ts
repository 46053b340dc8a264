import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { ultralyticsMetricKeys } from '../../../core/src/schemas/eval.ts';
import { randomCocoCase, type CocoCase } from '../../testing/coco/random-case.ts';
import { seededRandom } from '../../testing/coco/seeded-random.ts';
import type { CocoAnnotation, CocoInstances, CocoResult } from '../coco/types.ts';
import { runOracle } from '../../testing/parity/run-oracle.ts';
import { evaluateUltralyticsDetection, type UltralyticsDetectionMetrics } from './evaluate.ts';
import { IOU_THRESHOLDS } from './params.ts';

/**
 * Parity with Ultralytics' own detection metric: every case is scored here and, in one Python process, by
 * Ultralytics' DetectionValidator._process_batch (box_iou, match_predictions) and DetMetrics (ap_per_class, the
 * class means); all four numbers must agree to 1e-6. Ultralytics ranks detections with numpy's unstable default
 * argsort, so among equal confidences the oracle pins a stable order (the one used here) and also reports the
 * untouched result, which must agree too wherever no two confidences are equal.
 */

const TOLERANCE = 1e-6;

interface Case {
  readonly name: string;
  readonly coco: CocoCase;
  /** The model's classes as category ids; default all categories, ascending. */
  readonly classCategoryIds?: readonly number[];
}

interface OracleCase {
  readonly stableTies: UltralyticsDetectionMetrics;
  readonly asIs: UltralyticsDetectionMetrics;
  readonly tiedConfidence: boolean;
}

const TIED_SEEDS = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10];
const DISTINCT_SEEDS = [11, 12, 13, 14, 15, 16];

const cases: Case[] = [
  ...TIED_SEEDS.map((seed) => ({ name: `seed ${seed} (tied confidences)`, coco: randomCocoCase(seed) })),
  ...DISTINCT_SEEDS.map((seed) => ({ name: `seed ${seed}, distinct confidences`, coco: withDistinctScores(randomCocoCase(seed), seed) })),
  (() => {
    const coco = randomCocoCase(17);
    const withGt = [...new Set(coco.instances.annotations.map((a) => a.category_id))].sort((a, b) => a - b);
    return { name: 'seed 17, a labelled category the model has no class for', coco, classCategoryIds: withGt.slice(1) };
  })(),
  ...handMadeCases(),
];

let oracle: { iouThresholds: number[]; cases: OracleCase[] };

before(async () => {
  const input = cases.map((c) => ({ ...c.coco, classCategoryIds: classesOf(c) }));
  oracle = JSON.parse(await runOracle('ultralytics_metric.py', [], JSON.stringify(input))) as typeof oracle;
});

describe("evaluateUltralyticsDetection matches Ultralytics' DetectionValidator and DetMetrics", () => {
  it("uses the validator's float32 IoU thresholds", () => {
    assert.deepEqual([...IOU_THRESHOLDS], oracle.iouThresholds);
  });

  let largest = 0;
  cases.forEach((c, i) => {
    it(c.name, () => {
      const ours = evaluateUltralyticsDetection(c.coco.instances, c.coco.results, { classCategoryIds: classesOf(c) });
      const theirs = oracle.cases[i]!;
      largest = Math.max(largest, assertClose(ours, theirs.stableTies, 'Ultralytics (stable order among tied confidences)'));
      if (!theirs.tiedConfidence) {
        largest = Math.max(largest, assertClose(ours, theirs.asIs, 'Ultralytics as is'));
      }
    });
  });

  it('differs from Ultralytics by at most 1e-6 over all cases', (t) => {
    t.diagnostic(`largest absolute difference over ${cases.length} cases x 4 numbers: ${largest}`);
    const asIsShift = Math.max(...oracle.cases.map((c) => Math.max(...ultralyticsMetricKeys.map((k) => Math.abs(c.asIs[k] - c.stableTies[k])))));
    t.diagnostic(`largest change from pinning numpy's order among tied confidences: ${asIsShift}`);
    assert.ok(largest <= TOLERANCE);
  });

  it('exercises what it claims to (guards the cases)', () => {
    const untied = cases.filter((_, i) => !oracle.cases[i]!.tiedConfidence);
    assert.ok(untied.length >= DISTINCT_SEEDS.length, 'cases without tied confidences, checked against Ultralytics as is');
    assert.ok(oracle.cases.some((c) => c.tiedConfidence), 'cases with tied confidences');
    const perfect = cases.findIndex((c) => c.name === 'a single perfect detection');
    assert.equal(oracle.cases[perfect]!.stableTies.mAP50, 0.995, "a perfect detection's AP is 0.995 in Ultralytics' interpolation");
  });
});

function assertClose(ours: UltralyticsDetectionMetrics, theirs: UltralyticsDetectionMetrics, who: string): number {
  let largest = 0;
  for (const key of ultralyticsMetricKeys) {
    const difference = Math.abs(ours[key] - theirs[key]);
    assert.ok(difference <= TOLERANCE, `${key}: ours ${ours[key]}, ${who} ${theirs[key]}`);
    largest = Math.max(largest, difference);
  }
  return largest;
}

function classesOf(c: Case): readonly number[] {
  return c.classCategoryIds ?? c.coco.instances.categories.map((category) => category.id).sort((a, b) => a - b);
}

/** The same case with every score replaced by a distinct one (same ranking where scores differed). */
function withDistinctScores(coco: CocoCase, seed: number): CocoCase {
  const random = seededRandom(seed * 7919);
  const scores = new Set<number>();
  while (scores.size < coco.results.length) scores.add(random.next());
  const ranked = [...scores].sort((a, b) => b - a);
  const order = coco.results.map((_, i) => i).sort((a, b) => coco.results[b]!.score - coco.results[a]!.score || a - b);
  const results = [...coco.results];
  order.forEach((index, rank) => (results[index] = { ...coco.results[index]!, score: ranked[rank]! }));
  return { instances: coco.instances, results };
}

/** Small cases built by hand around one rule each. */
function handMadeCases(): Case[] {
  let nextId = 1;
  const gt = (image: number, category: number, bbox: number[], iscrowd = 0): CocoAnnotation => ({
    id: nextId++,
    image_id: image,
    category_id: category,
    bbox,
    area: bbox[2]! * bbox[3]!,
    iscrowd,
  });
  const dt = (image: number, category: number, bbox: number[], score: number): CocoResult => ({ image_id: image, category_id: category, bbox, score });
  const instances = (annotations: CocoAnnotation[], images = [1, 2, 3], categories = [1, 2, 3]): CocoInstances => ({
    images: images.map((id) => ({ id })),
    annotations,
    categories: categories.map((id) => ({ id, name: `category-${id}` })),
  });
  const base = randomCocoCase(101);
  const box = [10, 20, 100, 50];

  return [
    { name: 'no detections at all', coco: { instances: base.instances, results: [] } },
    { name: 'no ground truth annotations', coco: { instances: { ...base.instances, annotations: [] }, results: base.results } },
    {
      name: 'only crowd ground truth (no labels: crowd regions are not in the YOLO labels)',
      coco: { instances: { ...base.instances, annotations: base.instances.annotations.map((a) => ({ ...a, iscrowd: 1 })) }, results: base.results },
    },
    { name: 'a single perfect detection', coco: { instances: instances([gt(1, 1, box)]), results: [dt(1, 1, box, 0.9)] } },
    {
      name: 'a labelled class without detections, detections of a class without labels',
      coco: {
        instances: instances([gt(1, 1, box), gt(2, 2, [0, 0, 30, 30])]),
        results: [dt(1, 1, box, 0.8), dt(1, 3, box, 0.95), dt(2, 3, [0, 0, 30, 30], 0.7)],
      },
    },
    {
      name: 'ties in confidence within and across images, true and false positives',
      coco: {
        instances: instances([gt(1, 1, box), gt(1, 1, [200, 200, 40, 40]), gt(2, 1, box), gt(3, 2, [5, 5, 50, 50])]),
        results: [
          dt(1, 1, [300, 300, 20, 20], 0.5),
          dt(1, 1, box, 0.5),
          dt(1, 1, [201, 199, 40, 41], 0.5),
          dt(2, 1, [400, 0, 10, 10], 0.5),
          dt(2, 1, box, 0.5),
          dt(3, 2, [5, 5, 50, 50], 0.5),
          dt(3, 2, [6, 5, 50, 50], 0.5),
          dt(3, 1, [5, 5, 50, 50], 0.25),
        ],
      },
    },
    {
      name: 'crowd, zero-size and repeated ground truth, and a crowd region a detection falls on',
      coco: {
        instances: instances([gt(1, 1, box), gt(1, 1, box), gt(1, 1, [0, 0, 0, 10]), gt(1, 2, [0, 0, 200, 200], 1), gt(2, 2, [50, 50, 20, 20])]),
        results: [dt(1, 1, box, 0.9), dt(1, 1, box, 0.8), dt(1, 2, [10, 10, 50, 50], 0.7), dt(2, 2, [50, 50, 20, 20], 0.6)],
      },
    },
    {
      name: 'two labels at the same IoU: the first in file order is taken',
      coco: {
        // The second detection is label 1 exactly; whether it finds label 1 free depends on which label the first took.
        instances: instances([gt(1, 1, [0, 0, 10, 10]), gt(1, 1, [2, 0, 10, 10])]),
        results: [dt(1, 1, [1, 0, 10, 10], 0.9), dt(1, 1, [0, 0, 10, 10], 0.8)],
      },
    },
    {
      name: "IoU exactly .5 in real numbers, on large boxes and on tiny ones (where box_iou's eps decides)",
      coco: {
        instances: instances([gt(1, 1, [0, 0, 100, 100]), gt(2, 1, [0, 0, 1, 1]), gt(3, 1, [3, 3, 1, 1])]),
        results: [dt(1, 1, [0, 0, 100, 50], 0.7), dt(2, 1, [0, 0, 1, 0.5], 0.6), dt(3, 1, [3, 3, 1, 1], 0.5)],
      },
    },
    {
      name: 'more than 100 detections of one class in one image (no cap below NMS max_det)',
      coco: {
        instances: instances([gt(1, 1, box)]),
        results: Array.from({ length: 150 }, (_, i) => dt(1, 1, i === 140 ? box : [i, i, 20, 20], 0.99 - i / 200)),
      },
    },
  ];
}
