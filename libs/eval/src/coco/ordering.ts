/**
 * Stable orderings over typed arrays of record indices: bucketing by a small integer key, and the detection
 * order pycocotools produces with its stable mergesort on -score.
 */

export interface Groups {
  /** members[start[key] .. start[key + 1]) are the items with that key, in their input order. */
  readonly start: Uint32Array;
  readonly members: Uint32Array;
}

/** Stable counting sort of `order` (record indices) by key[record], for keys in [0, keyCount). */
export function groupBy(order: Uint32Array, key: Uint32Array, keyCount: number): Groups {
  const start = new Uint32Array(keyCount + 1);
  for (let i = 0; i < order.length; i++) start[key[order[i]!]! + 1]!++;
  for (let k = 0; k < keyCount; k++) start[k + 1]! += start[k]!;
  const next = start.slice(0, keyCount);
  const members = new Uint32Array(order.length);
  for (let i = 0; i < order.length; i++) {
    const item = order[i]!;
    members[next[key[item]!]!++] = item;
  }
  return { start, members };
}

export function identityOrder(count: number): Uint32Array {
  const order = new Uint32Array(count);
  for (let i = 0; i < count; i++) order[i] = i;
  return order;
}

/**
 * Record indices by descending score, then ascending image rank, then input position.
 *
 * pycocotools sorts each image's detections with a stable sort on -score (ties keep file order) and later
 * stably re-sorts the concatenation over images in image-id order. Both orders are this one restricted to a
 * subset, so one global sort serves evaluation and accumulation. It is an LSD radix sort (image rank, then
 * four 16-bit digits of the score's bits) because the input runs to millions of detections.
 */
export function orderByScoreDescending(score: Float64Array, imageRank: Uint32Array, imageCount: number): Uint32Array {
  const n = score.length;
  const { high, low } = descendingScoreKeys(score);
  let order: Uint32Array = groupBy(identityOrder(n), imageRank, imageCount).members;
  let spare: Uint32Array = new Uint32Array(n);
  const counts = new Uint32Array(0x10001);
  for (const [words, shift] of [
    [low, 0],
    [low, 16],
    [high, 0],
    [high, 16],
  ] as const) {
    if (radixPass(order, words, shift, counts, spare)) [order, spare] = [spare, order];
  }
  return order;
}

/** One stable pass on a 16-bit digit into `out`; false (and `out` untouched) when every digit is the same. */
function radixPass(order: Uint32Array, words: Uint32Array, shift: number, counts: Uint32Array, out: Uint32Array): boolean {
  const n = order.length;
  counts.fill(0);
  for (let i = 0; i < n; i++) counts[((words[order[i]!]! >>> shift) & 0xffff) + 1]!++;
  for (let d = 1; d <= 0x10000; d++) if (counts[d] === n) return false;
  for (let d = 0; d < 0x10000; d++) counts[d + 1]! += counts[d]!;
  for (let i = 0; i < n; i++) {
    const item = order[i]!;
    out[counts[(words[item]! >>> shift) & 0xffff]!++] = item;
  }
  return true;
}

const littleEndian = new Uint8Array(new Uint32Array([1]).buffer)[0] === 1;

/**
 * Two 32-bit words per score whose unsigned (high, low) order is descending score order.
 * IEEE-754 bits order like integers once positives get their sign bit flipped and negatives all bits
 * flipped; inverting that gives descending order. -0 is folded into +0 because numpy compares them equal.
 */
function descendingScoreKeys(score: Float64Array): { high: Uint32Array; low: Uint32Array } {
  const n = score.length;
  const float = new Float64Array(1);
  const bits = new Uint32Array(float.buffer);
  const hi = littleEndian ? 1 : 0;
  const lo = 1 - hi;
  const high = new Uint32Array(n);
  const low = new Uint32Array(n);
  for (let i = 0; i < n; i++) {
    const s = score[i]!;
    float[0] = s === 0 ? 0 : s;
    const h = bits[hi]!;
    const l = bits[lo]!;
    if (h & 0x80000000) {
      high[i] = h;
      low[i] = l;
    } else {
      high[i] = ~h & 0x7fffffff;
      low[i] = ~l >>> 0;
    }
  }
  return { high, low };
}
