import type { LatencyStats } from '../../core/src/schemas/eval.ts';

/** A latency summary as metrics.json records it (its schema's type). */
export type { LatencyStats };

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
