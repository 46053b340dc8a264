/**
 * Turns one image's model output into detections in model-input pixels, with Ultralytics' validation semantics:
 *  - end-to-end heads (YOLOv10, [N, 300, 6] = x1 y1 x2 y2 score class) are only filtered: score > conf, first maxDet;
 *  - raw heads ([N, 4 + nc, anchors] = cx cy w h, then class scores) go through class-aware NMS
 *    (ultralytics.utils.nms.non_max_suppression as the validator calls it: multi_label=True, iou 0.7, max_det 300).
 * Arithmetic is float32 step by step (Math.fround) where Ultralytics works on float32 tensors, so boxes and the IoU
 * comparisons come out identical; thresholds are compared as float32 too (torch casts the Python scalar).
 */

export interface Detection {
  /** xyxy in model-input pixels. */
  readonly x1: number;
  readonly y1: number;
  readonly x2: number;
  readonly y2: number;
  readonly score: number;
  /** Model class index (0..nc-1). */
  readonly classIndex: number;
}

export interface NmsOptions {
  /** Keep candidates with score > conf (strictly), like Ultralytics. */
  readonly conf: number;
  /** Suppress a box whose IoU with a kept box of the same class is > iou. */
  readonly iou: number;
  readonly maxDet: number;
  /** One (box, class) row per class score above conf, not only the best class (Ultralytics val: true). */
  readonly multiLabel: boolean;
  /** At most this many candidates enter NMS, the highest scores first. */
  readonly maxNms: number;
  /** Per-class coordinate offset that keeps classes apart in one NMS pass. */
  readonly maxWh: number;
}

export const VAL_NMS: NmsOptions = { conf: 0.001, iou: 0.7, maxDet: 300, multiLabel: true, maxNms: 30000, maxWh: 7680 };

const f32 = Math.fround;

/** End-to-end output rows [x1, y1, x2, y2, score, class] for one image. */
export function decodeEndToEnd(rows: Float32Array, conf: number, maxDet: number): Detection[] {
  if (rows.length % 6 !== 0) throw new Error(`decodeEndToEnd: ${rows.length} values is not a whole number of 6-value rows`);
  const threshold = f32(conf);
  const out: Detection[] = [];
  for (let r = 0; r < rows.length && out.length < maxDet; r += 6) {
    const score = rows[r + 4]!;
    if (!(score > threshold)) continue;
    out.push({ x1: rows[r]!, y1: rows[r + 1]!, x2: rows[r + 2]!, y2: rows[r + 3]!, score, classIndex: Math.trunc(rows[r + 5]!) });
  }
  return out;
}

interface Candidate {
  readonly box: [number, number, number, number];
  readonly score: number;
  readonly classIndex: number;
}

/**
 * Raw head output for one image, channel-major: value(channel c, anchor a) = data[c * anchors + a], channels
 * cx, cy, w, h, then one score per class.
 */
export function decodeRawHead(data: Float32Array, numClasses: number, anchors: number, options: NmsOptions = VAL_NMS): Detection[] {
  const channels = 4 + numClasses;
  if (data.length !== channels * anchors) {
    throw new Error(`decodeRawHead: ${data.length} values, expected ${channels} x ${anchors}`);
  }
  const multiLabel = options.multiLabel && numClasses > 1;
  const threshold = f32(options.conf);
  let candidates: Candidate[] = [];
  for (let a = 0; a < anchors; a++) {
    let best = -Infinity;
    let bestClass = 0;
    for (let c = 0; c < numClasses; c++) {
      const s = data[(4 + c) * anchors + a]!;
      if (s > best) {
        best = s;
        bestClass = c;
      }
    }
    if (!(best > threshold)) continue;
    const cx = data[a]!;
    const cy = data[anchors + a]!;
    const hw = f32(data[2 * anchors + a]! / 2);
    const hh = f32(data[3 * anchors + a]! / 2);
    const box: [number, number, number, number] = [f32(cx - hw), f32(cy - hh), f32(cx + hw), f32(cy + hh)];
    if (multiLabel) {
      for (let c = 0; c < numClasses; c++) {
        const s = data[(4 + c) * anchors + a]!;
        if (s > threshold) candidates.push({ box, score: s, classIndex: c });
      }
    } else {
      candidates.push({ box, score: best, classIndex: bestClass });
    }
  }
  if (candidates.length > options.maxNms) candidates = stableByScore(candidates).slice(0, options.maxNms);
  const keep = classAwareNms(candidates, options.iou, options.maxWh, options.maxDet).slice(0, options.maxDet);
  return keep.map((c) => ({ x1: c.box[0], y1: c.box[1], x2: c.box[2], y2: c.box[3], score: c.score, classIndex: c.classIndex }));
}

function stableByScore<T extends { score: number }>(items: readonly T[]): T[] {
  return items
    .map((item, index) => ({ item, index }))
    .sort((a, b) => b.item.score - a.item.score || a.index - b.index)
    .map((e) => e.item);
}

/**
 * Greedy NMS in descending score order (stable for ties) over boxes shifted by class * maxWh, with torchvision's
 * float32 IoU and its "suppress if IoU > threshold" rule. Returns the kept candidates in score order; only the first
 * `maxKeep` of them are guaranteed (the caller keeps no more than that anyway), which lets each group stop early.
 */
export function classAwareNms(
  candidates: readonly Candidate[],
  iouThreshold: number,
  maxWh: number,
  maxKeep = Number.POSITIVE_INFINITY,
): Candidate[] {
  const order = stableByScore(candidates.map((c, index) => ({ score: c.score, index }))).map((e) => e.index);
  const n = candidates.length;
  const x1 = new Float64Array(n);
  const y1 = new Float64Array(n);
  const x2 = new Float64Array(n);
  const y2 = new Float64Array(n);
  const area = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const { box, classIndex } = candidates[i]!;
    const offset = f32(classIndex * maxWh);
    x1[i] = f32(box[0] + offset);
    y1[i] = f32(box[1] + offset);
    x2[i] = f32(box[2] + offset);
    y2[i] = f32(box[3] + offset);
    area[i] = f32(f32(x2[i]! - x1[i]!) * f32(y2[i]! - y1[i]!));
  }

  // Boxes can only suppress each other if they intersect. Shifted by class, boxes of different classes normally lie
  // far apart, so NMS runs separately on groups of classes whose shifted extents touch (usually one class each):
  // the same result as one pass over everything, without comparing every pair.
  const group = classGroups(candidates, x1, y1, x2, y2);
  const groups = new Map<number, number[]>();
  for (const i of order) {
    const key = group.get(candidates[i]!.classIndex)!;
    let g = groups.get(key);
    if (!g) groups.set(key, (g = []));
    g.push(i);
  }

  const kept = new Uint8Array(n);
  for (const members of groups.values()) {
    // Live candidates of this group in score order, compacted after every kept box so suppressed ones are never
    // visited again. A group that has kept maxKeep boxes can stop: anything it keeps later ranks below all of them.
    let live = Int32Array.from(members);
    let keptHere = 0;
    while (live.length > 0 && keptHere < maxKeep) {
      const i = live[0]!;
      kept[i] = 1;
      keptHere++;
      let write = 0;
      for (let b = 1; b < live.length; b++) {
        const j = live[b]!;
        const w = Math.max(0, f32(Math.min(x2[i]!, x2[j]!) - Math.max(x1[i]!, x1[j]!)));
        const h = Math.max(0, f32(Math.min(y2[i]!, y2[j]!) - Math.max(y1[i]!, y1[j]!)));
        const inter = f32(w * h);
        if (inter > 0 && f32(inter / f32(f32(area[i]! + area[j]!) - inter)) > iouThreshold) continue;
        live[write++] = j;
      }
      live = live.subarray(0, write);
    }
  }
  return order.filter((i) => kept[i]).map((i) => candidates[i]!);
}

/** Class -> group id, classes joined (transitively) when the extents of their shifted boxes overlap. */
function classGroups(
  candidates: readonly Candidate[],
  x1: Float64Array,
  y1: Float64Array,
  x2: Float64Array,
  y2: Float64Array,
): Map<number, number> {
  const extent = new Map<number, [number, number, number, number]>();
  candidates.forEach((c, i) => {
    const e = extent.get(c.classIndex);
    if (!e) extent.set(c.classIndex, [x1[i]!, y1[i]!, x2[i]!, y2[i]!]);
    else {
      e[0] = Math.min(e[0], x1[i]!);
      e[1] = Math.min(e[1], y1[i]!);
      e[2] = Math.max(e[2], x2[i]!);
      e[3] = Math.max(e[3], y2[i]!);
    }
  });
  const classes = [...extent.keys()];
  const parent = new Map(classes.map((c) => [c, c]));
  const find = (c: number): number => {
    while (parent.get(c) !== c) c = parent.get(c)!;
    return c;
  };
  for (let a = 0; a < classes.length; a++) {
    const ea = extent.get(classes[a]!)!;
    for (let b = a + 1; b < classes.length; b++) {
      const eb = extent.get(classes[b]!)!;
      const overlap = Math.min(ea[2], eb[2]) > Math.max(ea[0], eb[0]) && Math.min(ea[3], eb[3]) > Math.max(ea[1], eb[1]);
      if (overlap) parent.set(find(classes[a]!), find(classes[b]!));
    }
  }
  return new Map(classes.map((c) => [c, find(c)]));
}
