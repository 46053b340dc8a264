import { roundHalfEven } from '../../../core/src/rounding.ts';
import { AP_EPS, F1_SMOOTHING } from './params.ts';

/**
 * Where ap_per_class reads each class's precision and recall: the index, among the confidence points, of the
 * largest (the first, if tied) value of the class-mean F1 curve smoothed by Ultralytics' box filter. One
 * confidence for all classes, the one that suits them best on average. 0 without classes.
 *
 * `precision` and `recall` hold one curve per class, `points` values each: [class * points + i].
 */
export function maxF1Index(precision: Float64Array, recall: Float64Array, classCount: number, points: number): number {
  if (classCount === 0) return 0;
  const meanF1 = new Float64Array(points);
  for (let k = 0; k < classCount; k++) {
    for (let i = 0; i < points; i++) {
      const p = precision[k * points + i]!;
      const r = recall[k * points + i]!;
      meanF1[i]! += (2 * p * r) / (p + r + AP_EPS);
    }
  }
  for (let i = 0; i < points; i++) meanF1[i]! /= classCount;
  return firstMaxIndex(boxFilter(meanF1, F1_SMOOTHING));
}

/**
 * Ultralytics' smooth(y, f): the mean over a window round(len * f * 2) // 2 + 1 values wide (odd), centred on
 * each value, with y padded by repeating its end values.
 */
export function boxFilter(y: Float64Array, fraction: number): Float64Array {
  const width = Math.floor(roundHalfEven(y.length * fraction * 2) / 2) + 1;
  const half = Math.floor(width / 2);
  const weight = 1 / width;
  const at = (i: number): number => y[Math.min(Math.max(i, 0), y.length - 1)]!;
  const out = new Float64Array(y.length);
  for (let i = 0; i < y.length; i++) {
    let sum = 0;
    for (let k = -half; k <= half; k++) sum += at(i + k) * weight;
    out[i] = sum;
  }
  return out;
}

function firstMaxIndex(values: Float64Array): number {
  let best = 0;
  for (let i = 1; i < values.length; i++) if (values[i]! > values[best]!) best = i;
  return best;
}
