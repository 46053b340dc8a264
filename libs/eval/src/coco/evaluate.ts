import { accumulate } from './accumulate.ts';
import { matchDetections } from './matching.ts';
import { orderByScoreDescending } from './ordering.ts';
import { categoryAp, STAT_SPECS, summaryStat } from './summarize.ts';
import { detectionTable, groundTruthTable } from './tables.ts';
import type { CocoBboxEvaluation, CocoBboxStats, CocoInstances, CocoResult } from './types.ts';
import { checkInstances, checkResults, knownIds } from './validate.ts';

export interface EvaluateOptions {
  /** Names the ground truth in error messages (a file path, say); default 'instances'. */
  readonly instancesSource?: string;
  /** Names the results in error messages; default 'results'. */
  readonly resultsSource?: string;
}

/**
 * COCO bbox evaluation with pycocotools' semantics (COCOeval(gt, gt.loadRes(results), 'bbox') then
 * evaluate, accumulate, summarize), to the last bit. Images and categories are those of the ground truth;
 * results naming others are a UserError (pycocotools asserts on unknown images, drops unknown categories).
 */
export function evaluateCocoBbox(
  instances: CocoInstances,
  results: readonly CocoResult[],
  options: EvaluateOptions = {},
): CocoBboxEvaluation {
  checkInstances(instances, options.instancesSource ?? 'instances');
  checkResults(results, knownIds(instances), options.resultsSource ?? 'results');

  const gt = groundTruthTable(instances);
  const dt = detectionTable(results, gt);
  const order = orderByScoreDescending(dt.score, dt.image, gt.imageIds.length);
  const flags = matchDetections(gt, dt, order);
  const acc = accumulate(flags, order, dt.category, gt.categoryIds.length);

  const stats = STAT_SPECS.map((spec) => summaryStat(acc, spec));
  const named = Object.fromEntries(STAT_SPECS.map((spec, i) => [spec.name, stats[i]!])) as unknown as CocoBboxStats;
  const gtCount = new Array<number>(gt.categoryIds.length).fill(0);
  for (let i = 0; i < gt.count; i++) if (!gt.crowd[i]) gtCount[gt.category[i]!]!++;

  return {
    ...named,
    stats,
    perCategory: gt.categoryIds.map((categoryId, k) => ({
      categoryId,
      name: gt.categoryNames[k]!,
      ap: categoryAp(acc, k),
      ap50: categoryAp(acc, k, 0.5),
      gtCount: gtCount[k]!,
    })),
    counts: {
      images: gt.imageIds.length,
      categories: gt.categoryIds.length,
      groundTruth: gt.count,
      detections: dt.count,
    },
  };
}
