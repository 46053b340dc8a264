"""Oracle for ultralytics-metric.parity.test.ts: scores COCO-format cases with Ultralytics' own detection metric.

Usage: python ultralytics_metric.py < CASES.json  ->  JSON on stdout.
CASES.json: [{"instances": {images, annotations, categories}, "results": [{image_id, category_id, bbox, score}],
"classCategoryIds": [category id of model class 0, 1, ...]}, ...].
Output: {"iouThresholds": [...], "cases": [{"stableTies": M, "asIs": M, "tiedConfidence": bool}]}, where M is
{mAP50_95, mAP50, precision, recall}: DetMetrics.mean_results() after the validator's _process_batch (box_iou and
match_predictions) for every image, as DetectionValidator.update_metrics feeds them.

The inputs are built here independently of the TypeScript under test, following the dataset stage's label rules
(convert_coco: crowd regions, boxes without positive width and height, categories without a model class and
repeated rows are not labels) and NMS's output order (per image, highest confidence first; ties keep file order).

ap_per_class ranks all detections with np.argsort(-conf), numpy's default sort, which is not stable: among equal
confidences it leaves an order of its own. "stableTies" runs ap_per_class with that argsort made stable (equal
confidences in image order, then per-image order: the order the TypeScript uses); "asIs" runs it untouched. The
two are the same whenever no two confidences are equal.
"""
import json
import sys
from collections import defaultdict

import numpy as np
import torch
import ultralytics.utils.metrics as ultralytics_metrics
from ultralytics.models.yolo.detect.val import DetectionValidator
from ultralytics.utils.metrics import DetMetrics

KEYS = ("precision", "recall", "mAP50", "mAP50_95")  # mean_results() order


class StableArgsortNumpy:
    """numpy, except that argsort is stable."""

    def __getattr__(self, name):
        return getattr(np, name)

    @staticmethod
    def argsort(a, axis=-1, kind=None, order=None, **kwargs):
        return np.argsort(a, axis=axis, kind="stable", order=order, **kwargs)


def labels_by_image(instances, class_of):
    labels = defaultdict(list)
    written = defaultdict(set)
    for a in instances["annotations"]:
        x, y, w, h = a["bbox"]
        if a.get("iscrowd", 0) or w <= 0 or h <= 0 or a["category_id"] not in class_of:
            continue
        row = (a["category_id"], x, y, w, h)
        if row in written[a["image_id"]]:
            continue
        written[a["image_id"]].add(row)
        labels[a["image_id"]].append(([x, y, x + w, y + h], class_of[a["category_id"]]))
    return labels


def detections_by_image(results, class_of):
    detections = defaultdict(list)
    for r in results:
        if r["category_id"] in class_of:
            x, y, w, h = r["bbox"]
            detections[r["image_id"]].append(([x, y, x + w, y + h], class_of[r["category_id"]], r["score"]))
    return {image: sorted(rows, key=lambda row: -row[2]) for image, rows in detections.items()}


def validator():
    v = DetectionValidator.__new__(DetectionValidator)  # only the matching state: no dataloader, no save_dir
    v.iouv = torch.linspace(0.5, 0.95, 10)
    v.niou = v.iouv.numel()
    return v


def per_image_stats(case, v):
    class_of = {category: i for i, category in enumerate(case["classCategoryIds"])}
    labels = labels_by_image(case["instances"], class_of)
    detections = detections_by_image(case["results"], class_of)
    stats = []
    for image in sorted(im["id"] for im in case["instances"]["images"]):
        gt = labels.get(image, [])
        dt = detections.get(image, [])
        batch = {
            "bboxes": torch.tensor([b for b, _ in gt], dtype=torch.float64).reshape(-1, 4),
            "cls": torch.tensor([c for _, c in gt], dtype=torch.float32),
        }
        preds = {
            "bboxes": torch.tensor([b for b, _, _ in dt], dtype=torch.float64).reshape(-1, 4),
            "cls": torch.tensor([c for _, c, _ in dt], dtype=torch.float32),
        }
        target_cls = batch["cls"].numpy()
        stats.append({
            **v._process_batch(preds, batch),
            "target_cls": target_cls,
            "target_img": np.unique(target_cls),
            "conf": np.array([s for _, _, s in dt], dtype=np.float64),
            "pred_cls": preds["cls"].numpy(),
            "im_name": str(image),
        })
    return stats


def mean_results(stats, names):
    metrics = DetMetrics(names=names)
    for stat in stats:
        metrics.update_stats(stat)
    metrics.process(plot=False)
    return {key: float(value) for key, value in zip(KEYS, metrics.mean_results())}


def score(case, v):
    stats = per_image_stats(case, v)
    names = {i: str(category) for i, category in enumerate(case["classCategoryIds"])}
    as_is = mean_results(stats, names)
    ultralytics_metrics.np = StableArgsortNumpy()
    try:
        stable = mean_results(stats, names)
    finally:
        ultralytics_metrics.np = np
    conf = np.concatenate([s["conf"] for s in stats]) if stats else np.zeros(0)
    return {"stableTies": stable, "asIs": as_is, "tiedConfidence": bool(np.unique(conf).size < conf.size)}


def main() -> None:
    cases = json.load(sys.stdin)
    v = validator()
    out = {"iouThresholds": [float(t) for t in v.iouv], "cases": [score(case, v) for case in cases]}
    print(json.dumps(out))


if __name__ == "__main__":
    main()
