import type { MatchFlags } from './matching.ts';
import { groupBy } from './ordering.ts';
import { A, M, MAX_DETS, NUMPY_SPACING_1, R, RECALL_THRESHOLDS, T } from './params.ts';

/** COCOeval.eval's arrays, in numpy's C order: precision [T, R, K, A, M] and recall [T, K, A, M]; -1 where no ground truth. */
export interface Accumulated {
  readonly categoryCount: number;
  readonly precision: Float64Array;
  readonly recall: Float64Array;
}

export const precisionIndex = (K: number, t: number, r: number, k: number, a: number, m: number): number =>
  (((t * R + r) * K + k) * A + a) * M + m;
export const recallIndex = (K: number, t: number, k: number, a: number, m: number): number => ((t * K + k) * A + a) * M + m;

/**
 * COCOeval.accumulate: per category, area range and maxDets, the detections in global score order form a
 * precision/recall curve per IoU threshold, sampled at the 101 recall points.
 *
 * `order` is the global detection order from orderByScoreDescending; `category` gives each detection's rank.
 * The hot loops live in small functions called thousands of times, which V8 optimizes far better than one
 * deep loop nest entered once.
 */
export function accumulate(flags: MatchFlags, order: Uint32Array, category: Uint32Array, categoryCount: number): Accumulated {
  const K = categoryCount;
  const precision = new Float64Array(T * R * K * A * M).fill(-1);
  const recall = new Float64Array(T * K * A * M).fill(-1);
  const byCategory = groupBy(order, category, K);
  const ordered = gatherInOrder(flags, byCategory.members);

  let longest = 0;
  for (let k = 0; k < K; k++) longest = Math.max(longest, byCategory.start[k + 1]! - byCategory.start[k]!);
  const selected: SelectedFlags = { truePositive: new Uint16Array(A * longest), ignored: new Uint16Array(A * longest), stride: longest };
  const counts = curveCounts(longest);
  const curve = new Float64Array(R);

  for (let k = 0; k < K; k++) {
    for (let m = 0; m < M; m++) {
      const nd = selectTopDetections(ordered, byCategory.start[k]!, byCategory.start[k + 1]!, MAX_DETS[m]!, selected);
      for (let a = 0; a < A; a++) {
        const positives = flags.positives[k * A + a]!;
        if (positives === 0) continue;
        countDetections(selected, a * selected.stride, nd, positives, counts);
        for (let t = 0; t < T; t++) {
          sampleCurve(counts, t, curve);
          recall[recallIndex(K, t, k, a, m)] = nd > 0 ? counts.tp[t]! / positives : 0;
          for (let r = 0; r < R; r++) precision[precisionIndex(K, t, r, k, a, m)] = curve[r]!;
        }
      }
    }
  }
  return { categoryCount: K, precision, recall };
}

interface OrderedFlags {
  readonly count: number;
  readonly rank: Uint8Array;
  readonly truePositive: Uint16Array;
  readonly ignored: Uint16Array;
}

interface SelectedFlags {
  readonly truePositive: Uint16Array;
  readonly ignored: Uint16Array;
  readonly stride: number;
}

/** The flags rearranged into category-then-score order, so that every later pass reads memory in sequence. */
function gatherInOrder(flags: MatchFlags, members: Uint32Array): OrderedFlags {
  const n = members.length;
  const rank = new Uint8Array(n);
  for (let i = 0; i < n; i++) rank[i] = flags.rank[members[i]!]!;
  const truePositive = new Uint16Array(A * n);
  const ignored = new Uint16Array(A * n);
  for (let a = 0; a < A; a++) {
    gatherSlice(flags.truePositive, members, a * n, truePositive);
    gatherSlice(flags.ignored, members, a * n, ignored);
  }
  return { count: n, rank, truePositive, ignored };
}

function gatherSlice(source: Uint16Array, members: Uint32Array, offset: number, target: Uint16Array): void {
  for (let i = 0; i < members.length; i++) target[offset + i] = source[offset + members[i]!]!;
}

/** Copies the flags of positions [from, to) whose rank in their image is below maxDet (what pycocotools concatenates). */
function selectTopDetections(ordered: OrderedFlags, from: number, to: number, maxDet: number, selected: SelectedFlags): number {
  let nd = 0;
  for (let i = from; i < to; i++) {
    if (ordered.rank[i]! >= maxDet) continue;
    for (let a = 0; a < A; a++) {
      selected.truePositive[a * selected.stride + nd] = ordered.truePositive[a * ordered.count + i]!;
      selected.ignored[a * selected.stride + nd] = ordered.ignored[a * ordered.count + i]!;
    }
    nd++;
  }
  return nd;
}

// Module-local copies: V8 reads these faster in hot loops than imported bindings.
const recallThresholds = Float64Array.from(RECALL_THRESHOLDS);
const recallPoints = R;
const thresholdCount = T;
const allThresholds = (1 << T) - 1;
const eps = NUMPY_SPACING_1;

/**
 * What a precision/recall curve needs, per IoU threshold t, from one pass over the detections.
 *
 * pycocotools computes precision tp / (tp + fp + eps) at every detection, makes it non-increasing with a
 * running maximum from the right, and samples, for each recall threshold, the first position whose recall
 * reaches it (numpy.searchsorted, side 'left'), or 0 where the curve never gets there. The same numbers
 * come from the true positives alone: recall only rises at a true positive, so every sampled position is
 * one (recall point 0 samples position 0, but precision is 0 before the first true positive, so its
 * running maximum is the one at that true positive); and between true positives precision only falls, so
 * the running maximum from the right at a true positive is the maximum over the true positives from there
 * on. Maxima pick one of the values exactly, so nothing rounds differently.
 */
interface CurveCounts {
  readonly stride: number;
  /** True positives, per threshold. */
  readonly tp: Int32Array;
  /** False positives other than those shared by all thresholds, per threshold (scratch). */
  readonly fp: Int32Array;
  /** [t * stride + c]: false positives before the c-th true positive (from 0). */
  readonly fpBeforeTp: Int32Array;
  /** Recall points reached, per threshold. */
  readonly reached: Int32Array;
  /** [t * R + r]: the true positive (from 0) at which recall point r is reached. */
  readonly sampledTp: Int32Array;
}

function curveCounts(longest: number): CurveCounts {
  return {
    stride: longest,
    tp: new Int32Array(T),
    fp: new Int32Array(T),
    fpBeforeTp: new Int32Array(T * longest),
    reached: new Int32Array(T),
    sampledTp: new Int32Array(T * R),
  };
}

/** One pass over nd detections for all thresholds; detections that are false positives or ignored at every threshold take the fast path. */
function countDetections(selected: SelectedFlags, base: number, nd: number, positives: number, counts: CurveCounts): void {
  const { truePositive, ignored } = selected;
  const { stride, tp, fp, fpBeforeTp, reached, sampledTp } = counts;
  tp.fill(0);
  fp.fill(0);
  reached.fill(0);
  let sharedFp = 0;
  for (let i = 0; i < nd; i++) {
    const tpBits = truePositive[base + i]!;
    const ignoredBits = ignored[base + i]!;
    if (tpBits === 0) {
      if (ignoredBits === 0) {
        sharedFp++;
        continue;
      }
      if (ignoredBits === allThresholds) continue;
    }
    for (let t = 0; t < thresholdCount; t++) {
      const bit = 1 << t;
      if (tpBits & bit) {
        const c = tp[t]!;
        fpBeforeTp[t * stride + c] = fp[t]! + sharedFp;
        tp[t] = c + 1;
        let r = reached[t]!;
        while (r < recallPoints && (c + 1) / positives >= recallThresholds[r]!) sampledTp[t * recallPoints + r++] = c;
        reached[t] = r;
      } else if (!(ignoredBits & bit)) {
        fp[t]!++;
      }
    }
  }
}

/** Fills `curve` with threshold t's precision at the 101 recall points, walking its true positives backwards. */
function sampleCurve(counts: CurveCounts, t: number, curve: Float64Array): void {
  const tp = counts.tp[t]!;
  const fpBase = t * counts.stride;
  const sampleBase = t * recallPoints;
  let r = counts.reached[t]! - 1;
  curve.fill(0, r + 1);
  let envelope = 0;
  for (let c = tp - 1; c >= 0 && r >= 0; c--) {
    const count = c + 1;
    const precision = count / (counts.fpBeforeTp[fpBase + c]! + count + eps);
    if (c === tp - 1 || precision > envelope) envelope = precision;
    while (r >= 0 && counts.sampledTp[sampleBase + r] === c) curve[r--] = envelope;
  }
}
