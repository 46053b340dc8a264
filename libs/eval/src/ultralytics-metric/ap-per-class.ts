import { computeAp } from './compute-ap.ts';
import { maxF1Index } from './max-f1.ts';
import { numpyInterp } from './numpy-interp.ts';
import { AP_EPS, CONFIDENCE_POINTS, T } from './params.ts';

/** What ap_per_class reads: every detection of the evaluated images with its true-positive bits, and the labels per class. */
export interface ScoredDetections {
  readonly count: number;
  /** Bit t set when the detection is a true positive at IOU_THRESHOLDS[t] (matchDetections). */
  readonly truePositive: Uint16Array;
  readonly confidence: Float64Array;
  readonly category: Int32Array;
}

/** Per class with labels, ascending: AP at each threshold, and precision and recall at the max-F1 confidence. */
export interface ClassResults {
  readonly classes: readonly number[];
  /** [class * T + t]. */
  readonly ap: Float64Array;
  readonly precision: Float64Array;
  readonly recall: Float64Array;
}

const points = CONFIDENCE_POINTS.length;
const negatedPoints = CONFIDENCE_POINTS.map((x) => -x);

/**
 * Ultralytics' ap_per_class. Detections are ranked by confidence, highest first, over all images; equal
 * confidences keep their order in `detections` (numpy's default argsort is not stable, so Ultralytics' own order
 * among ties is whatever its sort leaves). Per class with labels, its detections in that order give cumulative
 * true and false positives per IoU threshold, hence recall (over the class's labels) and precision curves:
 * AP at each threshold is compute_ap of those; precision and recall against confidence (at threshold .50) are
 * sampled at 1000 confidence points, and read at the one where the smoothed class-mean F1 peaks. A class
 * without detections gets AP, precision and recall 0.
 */
export function apPerClass(detections: ScoredDetections, labelsPerClass: ReadonlyMap<number, number>): ClassResults {
  const classes = [...labelsPerClass.keys()].sort((a, b) => a - b);
  const byClass = detectionsByClass(detections, classes);
  const ap = new Float64Array(classes.length * T);
  const precisionCurves = new Float64Array(classes.length * points);
  const recallCurves = new Float64Array(classes.length * points);

  classes.forEach((category, k) => {
    const members = byClass[k]!;
    const n = members.length;
    if (n === 0) return;
    const labels = labelsPerClass.get(category)!;
    const negatedConfidence = Float64Array.from(members, (d) => -detections.confidence[d]!);
    const recall = new Float64Array(n);
    const precision = new Float64Array(n);
    for (let t = 0; t < T; t++) {
      const bit = 1 << t;
      let truePositives = 0;
      for (let i = 0; i < n; i++) {
        if (detections.truePositive[members[i]!]! & bit) truePositives++;
        recall[i] = truePositives / (labels + AP_EPS);
        precision[i] = truePositives / (i + 1);
      }
      ap[k * T + t] = computeAp(recall, precision, n);
      if (t !== 0) continue;
      // Against confidence, at IoU .50: recall 0 above the highest confidence, precision 1.
      for (let i = 0; i < points; i++) {
        recallCurves[k * points + i] = numpyInterp(negatedPoints[i]!, negatedConfidence, recall, n, 0);
        precisionCurves[k * points + i] = numpyInterp(negatedPoints[i]!, negatedConfidence, precision, n, 1);
      }
    }
  });

  const at = maxF1Index(precisionCurves, recallCurves, classes.length, points);
  return {
    classes,
    ap,
    precision: Float64Array.from(classes, (_, k) => precisionCurves[k * points + at]!),
    recall: Float64Array.from(classes, (_, k) => recallCurves[k * points + at]!),
  };
}

/** Each class's detections (indices into `detections`) by descending confidence, equal confidences in input order. */
function detectionsByClass(detections: ScoredDetections, classes: readonly number[]): number[][] {
  const rank = new Map(classes.map((category, k) => [category, k]));
  const order = Array.from({ length: detections.count }, (_, i) => i);
  order.sort((a, b) => detections.confidence[b]! - detections.confidence[a]! || a - b);
  const byClass = classes.map((): number[] => []);
  for (const d of order) {
    const k = rank.get(detections.category[d]!);
    if (k !== undefined) byClass[k]!.push(d);
  }
  return byClass;
}
