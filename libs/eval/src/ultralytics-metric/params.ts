import { numpyLinspace } from '../coco/params.ts';

/**
 * The constants of Ultralytics' detection metric (8.4: models/yolo/detect/val.py, engine/validator.py,
 * utils/metrics.py).
 */

/**
 * The validator's iouv, torch.linspace(0.5, 0.95, 10) in float32: the nearest float32 to each of .50:.05:.95.
 * match_predictions compares float32 IoUs with these float32 values, so they are kept in float32.
 */
export const IOU_THRESHOLDS = Float32Array.from(numpyLinspace(0.5, 0.95, 10));
export const T = IOU_THRESHOLDS.length;

/** box_iou's eps, added to the union in float32. */
export const IOU_EPS = Math.fround(1e-7);

/** ap_per_class's eps (recall = tp / (labels + eps); F1 = 2pr / (p + r + eps)). */
export const AP_EPS = 1e-16;

/** compute_ap's 101 recall points (_AP_X), where the precision envelope is interpolated and integrated. */
export const AP_RECALL_POINTS = numpyLinspace(0, 1, 101);

/** ap_per_class's 1000 confidence points (x), where precision, recall and F1 are sampled per class. */
export const CONFIDENCE_POINTS = numpyLinspace(0, 1, 1000);

/** ap_per_class smooths the mean F1 curve with a box filter this fraction of its length wide before taking its maximum. */
export const F1_SMOOTHING = 0.1;
