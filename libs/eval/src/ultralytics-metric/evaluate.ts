import type { UltralyticsMetricKey } from '../../../core/src/schemas/eval.ts';
import { numpyMean } from '../coco/numpy-sum.ts';
import type { CocoInstances, CocoResult } from '../coco/types.ts';
import { checkInstances, checkResults, knownIds } from '../coco/validate.ts';
import { apPerClass } from './ap-per-class.ts';
import { validationDetections } from './detections.ts';
import { validationLabels } from './labels.ts';
import { matchDetections } from './matching.ts';
import { T } from './params.ts';

/** Ultralytics' four box numbers (results.csv's metrics/*(B)): means over the classes that have labels; 0 without any. */
export type UltralyticsDetectionMetrics = Readonly<Record<UltralyticsMetricKey, number>>;

export interface UltralyticsMetricOptions {
  /**
   * The model's classes as category ids (the evaluator's classMap): labels of other categories are left out, as
   * the YOLO label files leave them out. Default: every category of the instances.
   */
  readonly classCategoryIds?: readonly number[];
  /** Names the ground truth in error messages (a file path, say); default 'instances'. */
  readonly instancesSource?: string;
  /** Names the results in error messages; default 'results'. */
  readonly resultsSource?: string;
}

/**
 * Ultralytics' detection metric (8.4's DetectionValidator with DetMetrics: match_predictions, ap_per_class, the
 * means of Metric) on the detections and ground truth the COCO pass scores, in pixels of the original images.
 * The ground truth is what training's validation saw (validationLabels: no crowd regions). Proven equal to
 * Ultralytics' own functions on the same inputs by evaluate.parity.test.ts.
 */
export function evaluateUltralyticsDetection(
  instances: CocoInstances,
  results: readonly CocoResult[],
  options: UltralyticsMetricOptions = {},
): UltralyticsDetectionMetrics {
  checkInstances(instances, options.instancesSource ?? 'instances');
  checkResults(results, knownIds(instances), options.resultsSource ?? 'results');

  const imageRank = new Map([...instances.images].map((image) => image.id).sort((a, b) => a - b).map((id, rank) => [id, rank]));
  const classCategories = new Set(options.classCategoryIds ?? instances.categories.map((category) => category.id));
  const labels = validationLabels(instances, imageRank, classCategories);
  const detections = validationDetections(results, imageRank, classCategories);
  const truePositive = matchDetections(labels, detections);
  const perClass = apPerClass({ ...detections, truePositive }, labels.perCategory);

  const classCount = perClass.classes.length;
  const mean = (values: Float64Array): number => (values.length === 0 ? 0 : numpyMean(values, values.length));
  return {
    mAP50_95: mean(perClass.ap),
    mAP50: mean(Float64Array.from({ length: classCount }, (_, k) => perClass.ap[k * T]!)),
    precision: mean(perClass.precision),
    recall: mean(perClass.recall),
  };
}
