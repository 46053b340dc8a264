/**
 * numpy.interp(x, xp, fp, left, right) at one point, for xp ascending with repeats allowed (Ultralytics feeds it
 * recall curves that stay flat over false positives and confidences that tie). numpy's search returns the last
 * j with xp[j] <= x, so at a repeated xp the value is that of its last copy, and interpolation always runs
 * between two distinct xp. The first `count` entries of xp and fp are used; count must be >= 1.
 */
export function numpyInterp(x: number, xp: ArrayLike<number>, fp: ArrayLike<number>, count: number, left = fp[0]!, right = fp[count - 1]!): number {
  if (Number.isNaN(x)) return x;
  if (x < xp[0]!) return left;
  if (x > xp[count - 1]!) return right;
  const j = lastAtOrBelow(x, xp, count);
  if (j === count - 1 || xp[j] === x) return fp[j]!;
  const slope = (fp[j + 1]! - fp[j]!) / (xp[j + 1]! - xp[j]!);
  return slope * (x - xp[j]!) + fp[j]!;
}

/** The last index j < count with xp[j] <= x, for xp[0] <= x (binary search over an ascending xp). */
function lastAtOrBelow(x: number, xp: ArrayLike<number>, count: number): number {
  let low = 0;
  let high = count;
  while (low < high) {
    const mid = (low + high) >>> 1;
    if (x >= xp[mid]!) low = mid + 1;
    else high = mid;
  }
  return low - 1;
}
