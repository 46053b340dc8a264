/** Latency summary in milliseconds; percentiles use numpy's default (linear interpolation between order statistics). */
export interface LatencyStats {
  readonly mean: number;
  readonly p50: number;
  readonly p90: number;
  readonly p99: number;
  readonly runs: number;
}

export function summarizeLatency(samplesMs: readonly number[]): LatencyStats {
  if (samplesMs.length === 0) throw new Error('summarizeLatency: no samples');
  const sorted = [...samplesMs].sort((a, b) => a - b);
  const mean = sorted.reduce((s, v) => s + v, 0) / sorted.length;
  return { mean, p50: percentile(sorted, 50), p90: percentile(sorted, 90), p99: percentile(sorted, 99), runs: sorted.length };
}

/** numpy.percentile(values, q) with method='linear', on already sorted values. */
export function percentile(sorted: readonly number[], q: number): number {
  const pos = (q / 100) * (sorted.length - 1);
  const lo = Math.floor(pos);
  const hi = Math.min(lo + 1, sorted.length - 1);
  return sorted[lo]! + (sorted[hi]! - sorted[lo]!) * (pos - lo);
}
