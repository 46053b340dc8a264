import type { LossComponents, LossSeries } from '../results-csv.ts';

/**
 * Loss curves shaped like a from-scratch detection run (fast early drop, slow tail, a little epoch-to-epoch
 * noise), deterministic for a given seed. For tests and previews only.
 */
export function syntheticLossSeries(epochs: number, seed = 1, scale = 1): LossSeries {
  const random = mulberry32(seed);
  const epoch = Array.from({ length: epochs }, (_, i) => i + 1);
  const curve = (start: number, end: number, noise: number): number[] =>
    epoch.map((e) => (end + (start - end) * Math.exp(-(e - 1) / Math.max(2, epochs / 5))) * scale * (1 + noise * (random() - 0.5)));
  const losses = (offset: number): LossComponents => ({
    box: curve(3.2 + offset, 1.4 + offset, 0.04),
    cls: curve(5.5 + offset, 1.1 + offset, 0.05),
    dfl: curve(3.9 + offset, 1.3 + offset, 0.03),
  });
  const rising = (top: number): number[] => epoch.map((e) => top * (1 - Math.exp(-e / Math.max(2, epochs / 4))));
  return {
    epoch,
    time: epoch.map((e) => e * 61.5),
    train: losses(0),
    val: losses(0.15),
    metrics: { precision: rising(0.6), recall: rising(0.5), mAP50: rising(0.55), mAP50_95: rising(0.38) },
    lr: [0, 1, 2].map(() => epoch.map((e) => 0.01 * (1 - e / (epochs + 1)))),
  };
}

/**
 * A QAT run's per-epoch share of 4-bit weight codes that changed since the previous epoch (results.csv's
 * qat/code_change), deterministic for a seed: falling with the LR as in a run that settles or, with `oscillating`,
 * staying well above zero late in training as in one whose codes keep flipping.
 * Made-up shapes for tests and previews, not measurements.
 */
export function syntheticCodeChange(epochs: number, seed = 1, oscillating = false): number[] {
  const random = mulberry32(seed);
  const floor = oscillating ? 0.08 : 0.002;
  return Array.from({ length: epochs }, (_, i) => (floor + 0.25 * Math.exp(-i / Math.max(2, epochs / 6))) * (1 + 0.1 * (random() - 0.5)));
}

function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
