"""Scores an ONNX model with Ultralytics' own validator (save_json) and pycocotools, for the evaluator parity check.
rect=False: the file's height and width are fixed (only its batch is dynamic), so every image is letterboxed square.

python ultralytics_val.py <model.onnx> <data.yaml> <imgsz> <instances_val.json> <class-map.json> <out.json>

Ultralytics names classes 1..nc in predictions.json for a non-COCO-named dataset; class-map.json (YOLO class ->
COCO category id, the dataset stage's 91->80 table) maps them back before pycocotools scores them.
"""

import json
import sys
import tempfile
from pathlib import Path

from yolo_py import offline


def main(onnx: str, data: str, imgsz: str, instances: str, class_map_file: str, out: str) -> None:
    with tempfile.TemporaryDirectory() as scratch:
        offline.configure(Path(scratch) / "config")
        from pycocotools.coco import COCO
        from pycocotools.cocoeval import COCOeval
        from ultralytics import YOLO

        metrics = YOLO(onnx, task="detect").val(
            data=data, imgsz=int(imgsz), batch=1, rect=False, conf=0.001, iou=0.7, save_json=True, plots=False,
            project=scratch, name="val", exist_ok=True, device="cpu", verbose=False,
        )
        predictions = json.loads((Path(metrics.save_dir) / "predictions.json").read_text())
        class_map = json.loads(Path(class_map_file).read_text())
        for p in predictions:
            p["category_id"] = class_map[p["category_id"] - 1]
        gt = COCO(instances)
        evaluator = COCOeval(gt, gt.loadRes(predictions), "bbox")
        evaluator.params.imgIds = sorted({p["image_id"] for p in predictions} | set(gt.getImgIds()))
        evaluator.evaluate()
        evaluator.accumulate()
        evaluator.summarize()
        Path(out).write_text(json.dumps({"stats": [float(s) for s in evaluator.stats], "ultralyticsMap50_95": float(metrics.box.map), "detections": len(predictions)}))


if __name__ == "__main__":
    main(*sys.argv[1:])
