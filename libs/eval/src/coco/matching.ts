import { bboxIou } from './iou.ts';
import { groupBy, identityOrder } from './ordering.ts';
import { A, AREA_RANGES, IOU_CAP, IOU_THRESHOLDS, MAX_DET_CAP, T } from './params.ts';
import type { DetectionTable, GroundTruthTable } from './tables.ts';

/** What COCOeval.evaluate learns per detection, packed as one bit per IoU threshold. */
export interface MatchFlags {
  /** Rank of each detection by score within its (image, category) cell, capped at 255; >= 100 are dropped. */
  readonly rank: Uint8Array;
  /** [area * detections + det]: bit t set when the detection is a true positive at IoU threshold t. */
  readonly truePositive: Uint16Array;
  /** [area * detections + det]: bit t set when the detection counts neither as TP nor FP at threshold t. */
  readonly ignored: Uint16Array;
  /** [category * A + area]: ground truth that is neither crowd nor outside the area range (recall's denominator). */
  readonly positives: Float64Array;
}

const ALL_THRESHOLDS = (1 << T) - 1;
const THRESHOLDS = IOU_THRESHOLDS.map((t) => Math.min(t, IOU_CAP));
const THRESHOLD_COUNT = T;

/**
 * One (image, category) cell: its ground truth gtMembers[gtStart .. +gtCount) and its top detections
 * dtMembers[dtStart .. +dtCount) as record indices, plus their IoUs.
 */
interface Cell {
  readonly gtMembers: Uint32Array;
  gtStart: number;
  gtCount: number;
  readonly dtMembers: Uint32Array;
  dtStart: number;
  dtCount: number;
  /** [det * gtCount + gt], positions within the cell. */
  iou: Float64Array;
  /** Cell positions of the ground truth, non-ignored first; and whether each (in that order) is ignored. */
  sortedGt: Uint32Array;
  sortedIgnored: Uint8Array;
  /** Per sorted ground truth: bit t set once a detection has taken it at threshold t. */
  taken: Uint16Array;
}

/**
 * Greedy matching per (image, category) cell and area range, as COCOeval.evaluateImg does it: detections
 * in score order (top 100) take the best still-free ground truth with IoU >= t, preferring non-ignored ground
 * truth (ignored ones sort last and are only reached while nothing non-ignored has matched); crowd regions
 * can absorb any number of detections.
 *
 * `order` is the global detection order from orderByScoreDescending.
 */
export function matchDetections(gt: GroundTruthTable, dt: DetectionTable, order: Uint32Array): MatchFlags {
  const imageCount = gt.imageIds.length;
  const cellCount = gt.categoryIds.length * imageCount;
  const gtCells = groupBy(identityOrder(gt.count), cellKeys(gt.category, gt.image, imageCount), cellCount);
  const dtCells = groupBy(order, cellKeys(dt.category, dt.image, imageCount), cellCount);

  const n = dt.count;
  const flags: MatchFlags = {
    rank: new Uint8Array(n).fill(255),
    truePositive: new Uint16Array(A * n),
    ignored: new Uint16Array(A * n),
    positives: new Float64Array(gt.categoryIds.length * A),
  };
  let largestGt = 0;
  for (let c = 0; c < cellCount; c++) largestGt = Math.max(largestGt, gtCells.start[c + 1]! - gtCells.start[c]!);
  const cell: Cell = {
    gtMembers: gtCells.members,
    gtStart: 0,
    gtCount: 0,
    dtMembers: dtCells.members,
    dtStart: 0,
    dtCount: 0,
    iou: new Float64Array(MAX_DET_CAP * largestGt),
    sortedGt: new Uint32Array(largestGt),
    sortedIgnored: new Uint8Array(largestGt),
    taken: new Uint16Array(largestGt),
  };
  for (let c = 0; c < cellCount; c++) {
    const g0 = gtCells.start[c]!;
    const d0 = dtCells.start[c]!;
    const allDets = dtCells.start[c + 1]! - d0;
    cell.gtCount = gtCells.start[c + 1]! - g0;
    if (cell.gtCount === 0 && allDets === 0) continue;
    cell.gtStart = g0;
    cell.dtStart = d0;
    cell.dtCount = Math.min(allDets, MAX_DET_CAP);
    for (let j = 0; j < allDets; j++) flags.rank[dtCells.members[d0 + j]!] = Math.min(j, 255);
    computeIous(cell, gt, dt);
    const category = Math.floor(c / imageCount);
    for (let a = 0; a < A; a++) {
      const { min, max } = AREA_RANGES[a]!;
      flags.positives[category * A + a]! += sortGroundTruth(cell, gt, min, max);
      matchArea(cell, gt, dt, min, max, flags.truePositive, flags.ignored, a * n);
    }
  }
  return flags;
}

function computeIous(cell: Cell, gt: GroundTruthTable, dt: DetectionTable): void {
  const G = cell.gtCount;
  for (let j = 0; j < cell.dtCount; j++) {
    const d = cell.dtMembers[cell.dtStart + j]!;
    const dx = dt.box.x[d]!;
    const dy = dt.box.y[d]!;
    const dw = dt.box.w[d]!;
    const dh = dt.box.h[d]!;
    for (let s = 0; s < G; s++) {
      const g = cell.gtMembers[cell.gtStart + s]!;
      cell.iou[j * G + s] = bboxIou(dx, dy, dw, dh, gt.box.x[g]!, gt.box.y[g]!, gt.box.w[g]!, gt.box.h[g]!, gt.crowd[g] === 1);
    }
  }
}

/**
 * Orders the cell's ground truth non-ignored first, each group in file order (pycocotools' stable sort on
 * the ignore flag); ignored means crowd or `area` outside [min, max]. Returns how many are not ignored.
 */
function sortGroundTruth(cell: Cell, gt: GroundTruthTable, min: number, max: number): number {
  const G = cell.gtCount;
  let kept = 0;
  for (let s = 0; s < G; s++) if (!isIgnored(gt, cell.gtMembers[cell.gtStart + s]!, min, max)) cell.sortedGt[kept++] = s;
  let next = kept;
  for (let s = 0; s < G; s++) if (isIgnored(gt, cell.gtMembers[cell.gtStart + s]!, min, max)) cell.sortedGt[next++] = s;
  for (let s = 0; s < G; s++) cell.sortedIgnored[s] = s < kept ? 0 : 1;
  return kept;
}

function matchArea(
  cell: Cell,
  gt: GroundTruthTable,
  dt: DetectionTable,
  min: number,
  max: number,
  truePositive: Uint16Array,
  ignored: Uint16Array,
  offset: number,
): void {
  const G = cell.gtCount;
  const { iou, sortedGt, sortedIgnored, taken } = cell;
  for (let s = 0; s < G; s++) taken[s] = 0;
  // Detections outer, thresholds inner: a detection's match at threshold t depends only on what the
  // detections before it took at t, so this visits the same states as pycocotools' thresholds-outer loop.
  for (let j = 0; j < cell.dtCount; j++) {
    const d = cell.dtMembers[cell.dtStart + j]!;
    let tpBits = 0;
    let ignoredBits = 0;
    let matchedBits = 0;
    for (let t = 0; t < THRESHOLD_COUNT && G > 0; t++) {
      const bit = 1 << t;
      let best = THRESHOLDS[t]!;
      let m = -1;
      for (let s = 0; s < G; s++) {
        const column = sortedGt[s]!;
        if (taken[s]! & bit && !gt.crowd[cell.gtMembers[cell.gtStart + column]!]) continue;
        // Once matched to a non-ignored ground truth, the ignored ones (sorted last) cannot replace it.
        if (m > -1 && sortedIgnored[m] === 0 && sortedIgnored[s] === 1) break;
        const v = iou[j * G + column]!;
        if (v < best) continue;
        best = v;
        m = s;
      }
      if (m === -1) continue;
      taken[m]! |= bit;
      matchedBits |= bit;
      if (sortedIgnored[m]) ignoredBits |= bit;
      else tpBits |= bit;
    }
    // Unmatched detections outside the area range are not counted as false positives.
    const area = dt.area[d]!;
    if (area < min || area > max) ignoredBits |= ALL_THRESHOLDS & ~matchedBits;
    truePositive[offset + d] = tpBits;
    ignored[offset + d] = ignoredBits;
  }
}

function isIgnored(gt: GroundTruthTable, g: number, min: number, max: number): boolean {
  const area = gt.area[g]!;
  return gt.crowd[g] === 1 || area < min || area > max;
}

function cellKeys(category: Uint32Array, image: Uint32Array, imageCount: number): Uint32Array {
  const keys = new Uint32Array(category.length);
  for (let i = 0; i < keys.length; i++) keys[i] = category[i]! * imageCount + image[i]!;
  return keys;
}
