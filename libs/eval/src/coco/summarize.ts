import { precisionIndex, recallIndex, type Accumulated } from './accumulate.ts';
import { numpyMean } from './numpy-sum.ts';
import { AREA_RANGES, IOU_THRESHOLDS, MAX_DETS, R, T, type AreaLabel } from './params.ts';
import type { CocoStatKey } from '../../../core/src/vocabulary.ts';

interface StatSpec {
  readonly name: CocoStatKey;
  readonly kind: 'precision' | 'recall';
  readonly iou?: number;
  readonly area: AreaLabel;
  readonly maxDets: (typeof MAX_DETS)[number];
}

/** COCOeval.summarize's 12 settings for bbox, in its order (vocabulary.ts's cocoStatKeys, which name them; summarize.test.ts). */
export const STAT_SPECS: readonly StatSpec[] = [
  { name: 'mAP50_95', kind: 'precision', area: 'all', maxDets: 100 },
  { name: 'mAP50', kind: 'precision', iou: 0.5, area: 'all', maxDets: 100 },
  { name: 'mAP75', kind: 'precision', iou: 0.75, area: 'all', maxDets: 100 },
  { name: 'APs', kind: 'precision', area: 'small', maxDets: 100 },
  { name: 'APm', kind: 'precision', area: 'medium', maxDets: 100 },
  { name: 'APl', kind: 'precision', area: 'large', maxDets: 100 },
  { name: 'AR1', kind: 'recall', area: 'all', maxDets: 1 },
  { name: 'AR10', kind: 'recall', area: 'all', maxDets: 10 },
  { name: 'AR100', kind: 'recall', area: 'all', maxDets: 100 },
  { name: 'ARs', kind: 'recall', area: 'small', maxDets: 100 },
  { name: 'ARm', kind: 'recall', area: 'medium', maxDets: 100 },
  { name: 'ARl', kind: 'recall', area: 'large', maxDets: 100 },
];

/**
 * One summary number: the mean of the selected entries that are not -1, or -1 when none is. Entries are
 * visited in numpy's C order (threshold, then recall point, then category) so the mean adds in the same order.
 * Categories [kFrom, kTo) are selected, all by default.
 */
export function summaryStat(acc: Accumulated, spec: Omit<StatSpec, 'name'>, kFrom = 0, kTo = acc.categoryCount): number {
  const K = acc.categoryCount;
  const a = AREA_RANGES.findIndex((range) => range.label === spec.area);
  const m = MAX_DETS.indexOf(spec.maxDets);
  // Like pycocotools, pick the threshold by exact equality with the linspace values.
  const thresholds = spec.iou === undefined ? range(T) : range(T).filter((t) => IOU_THRESHOLDS[t] === spec.iou);
  const kept = new Float64Array(thresholds.length * (spec.kind === 'precision' ? R : 1) * (kTo - kFrom));
  let count = 0;
  const take = (value: number): void => {
    if (value > -1) kept[count++] = value;
  };
  for (const t of thresholds) {
    if (spec.kind === 'precision') {
      for (let r = 0; r < R; r++) for (let k = kFrom; k < kTo; k++) take(acc.precision[precisionIndex(K, t, r, k, a, m)]!);
    } else {
      for (let k = kFrom; k < kTo; k++) take(acc.recall[recallIndex(K, t, k, a, m)]!);
    }
  }
  return count === 0 ? -1 : numpyMean(kept, count);
}

/** AP of one category (area all, maxDets 100) over all thresholds, or at IoU .50 only. */
export function categoryAp(acc: Accumulated, k: number, iou?: number): number {
  return summaryStat(acc, { kind: 'precision', iou, area: 'all', maxDets: 100 }, k, k + 1);
}

function range(n: number): number[] {
  return Array.from({ length: n }, (_, i) => i);
}
