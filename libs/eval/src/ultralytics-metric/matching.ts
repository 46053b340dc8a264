import { float32BoxIou } from './box-iou.ts';
import type { ValidationDetections } from './detections.ts';
import type { ValidationLabels } from './labels.ts';
import { IOU_THRESHOLDS, T } from './params.ts';

const thresholds = Array.from(IOU_THRESHOLDS);

/**
 * The validator's match_predictions, image by image: detections in confidence order each take, per IoU
 * threshold, the label of their class with the highest IoU among those no earlier detection took at that
 * threshold (the first such label in file order when IoUs tie), and are a true positive there when that IoU
 * reaches the threshold. Unlike pycocotools there is no cap of 100 detections and no crowd region to absorb one.
 *
 * Returns, per detection, bit t set when it is a true positive at IOU_THRESHOLDS[t].
 */
export function matchDetections(labels: ValidationLabels, detections: ValidationDetections): Uint16Array {
  const truePositive = new Uint16Array(detections.count);
  const images = labels.start.length - 1;
  for (let image = 0; image < images; image++) {
    const labelsOfClass = groupLabelsByClass(labels, image);
    if (labelsOfClass.size === 0) continue;
    const taken = new Map<number, Uint16Array>([...labelsOfClass].map(([category, list]) => [category, new Uint16Array(list.length)]));
    for (let d = detections.start[image]!; d < detections.start[image + 1]!; d++) {
      const candidates = labelsOfClass.get(detections.category[d]!);
      if (candidates) truePositive[d] = matchOne(labels.box, candidates, taken.get(detections.category[d]!)!, detections.box, d);
    }
  }
  return truePositive;
}

/** One detection against its class's labels; marks the labels it takes in `taken` and returns its true-positive bits. */
function matchOne(labelBox: Float32Array, candidates: readonly number[], taken: Uint16Array, detectionBox: Float32Array, d: number): number {
  const o = d * 4;
  const ious = candidates.map((l) =>
    float32BoxIou(labelBox[l * 4]!, labelBox[l * 4 + 1]!, labelBox[l * 4 + 2]!, labelBox[l * 4 + 3]!, detectionBox[o]!, detectionBox[o + 1]!, detectionBox[o + 2]!, detectionBox[o + 3]!),
  );
  let bits = 0;
  for (let t = 0; t < T; t++) {
    const bit = 1 << t;
    let best = -1;
    let bestAt = -1;
    for (let s = 0; s < ious.length; s++) {
      const available = taken[s]! & bit ? 0 : ious[s]!;
      if (available > best) {
        best = available;
        bestAt = s;
      }
    }
    if (best >= thresholds[t]!) {
      bits |= bit;
      taken[bestAt]! |= bit;
    }
  }
  return bits;
}

/** The image's labels (indices) per class, each list in file order. */
function groupLabelsByClass(labels: ValidationLabels, image: number): Map<number, number[]> {
  const byClass = new Map<number, number[]>();
  for (let l = labels.start[image]!; l < labels.start[image + 1]!; l++) {
    const list = byClass.get(labels.category[l]!);
    if (list) list.push(l);
    else byClass.set(labels.category[l]!, [l]);
  }
  return byClass;
}
