/**
 * numpy's float64 sum of a contiguous 1-D array: pairwise summation with 8 interleaved accumulators on
 * blocks of at most 128 values, splitting larger runs in halves rounded down to a multiple of 8. pycocotools
 * averages with np.mean, so reproducing this order of additions is what makes the summary stats bit-identical.
 */
export function numpyPairwiseSum(values: Float64Array, start: number, count: number): number {
  if (count < 8) {
    let sum = 0;
    for (let i = 0; i < count; i++) sum += values[start + i]!;
    return sum;
  }
  if (count <= 128) {
    let r0 = values[start]!;
    let r1 = values[start + 1]!;
    let r2 = values[start + 2]!;
    let r3 = values[start + 3]!;
    let r4 = values[start + 4]!;
    let r5 = values[start + 5]!;
    let r6 = values[start + 6]!;
    let r7 = values[start + 7]!;
    const unrolledEnd = count - (count % 8);
    let i = 8;
    for (; i < unrolledEnd; i += 8) {
      r0 += values[start + i]!;
      r1 += values[start + i + 1]!;
      r2 += values[start + i + 2]!;
      r3 += values[start + i + 3]!;
      r4 += values[start + i + 4]!;
      r5 += values[start + i + 5]!;
      r6 += values[start + i + 6]!;
      r7 += values[start + i + 7]!;
    }
    let sum = ((r0 + r1) + (r2 + r3)) + ((r4 + r5) + (r6 + r7));
    for (; i < count; i++) sum += values[start + i]!;
    return sum;
  }
  let half = Math.floor(count / 2);
  half -= half % 8;
  return numpyPairwiseSum(values, start, half) + numpyPairwiseSum(values, start + half, count - half);
}

/** np.mean of the first `count` values. */
export function numpyMean(values: Float64Array, count: number): number {
  return numpyPairwiseSum(values, 0, count) / count;
}
