"""Python reference evaluator for the benchmark: onnxruntime + cv2 letterbox + pycocotools, written the plain way
(sequential, one image at a time), with Ultralytics' semantics for the parts that have them (its NMS for raw heads,
its scale_boxes, pred_to_json's rounding).

Usage: python reference_eval.py --onnx M.onnx --data-root COCO --imgsz 320 [--max-images N]
                                [--warmup-runs 10] [--latency-runs 50] [--skip-latency] [--intra-op-threads N] --out metrics.json
"""
import argparse
import json
import time
from pathlib import Path

import cv2
import numpy as np
import onnxruntime as ort
import torch
import torchvision  # noqa: F401  imported, Ultralytics' NMS uses torchvision.ops.nms instead of its slow fallback
from pycocotools.coco import COCO
from pycocotools.cocoeval import COCOeval
from ultralytics.utils import ops
from ultralytics.utils.nms import non_max_suppression


def letterbox(bgr: np.ndarray, imgsz: int) -> np.ndarray:
    """Ultralytics LetterBox (square, auto=False, centred, pad 114) -> RGB CHW float32 / 255, batch of 1."""
    h, w = bgr.shape[:2]
    r = min(imgsz / h, imgsz / w)
    new_w, new_h = max(round(w * r), 1), max(round(h * r), 1)
    dw, dh = (imgsz - new_w) / 2, (imgsz - new_h) / 2
    if (w, h) != (new_w, new_h):
        bgr = cv2.resize(bgr, (new_w, new_h), interpolation=cv2.INTER_LINEAR)
    top, bottom, left, right = round(dh - 0.1), round(dh + 0.1), round(dw - 0.1), round(dw + 0.1)
    bgr = cv2.copyMakeBorder(bgr, top, bottom, left, right, cv2.BORDER_CONSTANT, value=(114, 114, 114))
    chw = np.ascontiguousarray(bgr[..., ::-1].transpose(2, 0, 1))
    return (chw.astype(np.float32) / 255)[None]


def decode(output: np.ndarray, conf: float) -> torch.Tensor:
    """[1, 300, 6] end-to-end rows or a [1, 4 + nc, anchors] raw head -> [n, 6] xyxy, score, class."""
    pred = torch.from_numpy(output)
    return non_max_suppression(pred, conf, 0.7, multi_label=True, max_det=300, end2end=pred.shape[-1] == 6)[0]


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--onnx", required=True)
    ap.add_argument("--data-root", required=True)
    ap.add_argument("--imgsz", type=int, default=640)
    ap.add_argument("--max-images", type=int)
    ap.add_argument("--conf", type=float, default=0.001)
    ap.add_argument("--warmup-runs", type=int, default=10)
    ap.add_argument("--latency-runs", type=int, default=100)
    ap.add_argument("--skip-latency", action="store_true")
    ap.add_argument("--intra-op-threads", type=int, default=0, help="0: onnxruntime's choice (its default session)")
    ap.add_argument("--out", required=True)
    args = ap.parse_args()

    root = Path(args.data_root)
    ann_file = root / "annotations" / "instances_val2017.json"
    gt = COCO(str(ann_file))
    images = sorted(gt.dataset["images"], key=lambda i: i["id"])[: args.max_images]
    class_map = sorted(c["id"] for c in gt.dataset["categories"])

    options = ort.SessionOptions()
    if args.intra_op_threads > 0:
        options.intra_op_num_threads = args.intra_op_threads
    session = ort.InferenceSession(args.onnx, options, providers=["CPUExecutionProvider"])
    input_name = session.get_inputs()[0].name

    latency = None
    if not args.skip_latency:
        sample = letterbox(cv2.imread(str(root / "val2017" / images[0]["file_name"])), args.imgsz)
        for _ in range(args.warmup_runs):
            session.run(None, {input_name: sample})
        times = []
        for _ in range(args.latency_runs):
            t0 = time.perf_counter()
            session.run(None, {input_name: sample})
            times.append((time.perf_counter() - t0) * 1000)
        latency = {"mean": float(np.mean(times)), "p50": float(np.percentile(times, 50)),
                   "p90": float(np.percentile(times, 90)), "p99": float(np.percentile(times, 99)), "runs": len(times)}

    started = time.perf_counter()
    stages = {"decode": 0.0, "letterbox": 0.0, "inference": 0.0, "decodeOutput": 0.0, "metric": 0.0}
    results = []
    for image in images:
        t0 = time.perf_counter()
        bgr = cv2.imread(str(root / "val2017" / image["file_name"]))
        if bgr is None:
            raise SystemExit(f"cannot read {image['file_name']}")
        t1 = time.perf_counter()
        tensor = letterbox(bgr, args.imgsz)
        t2 = time.perf_counter()
        output = session.run(None, {input_name: tensor})[0]
        t3 = time.perf_counter()
        det = decode(output, args.conf)
        boxes = ops.scale_boxes((args.imgsz, args.imgsz), det[:, :4].clone(), bgr.shape[:2])
        xywh = ops.xyxy2xywh(boxes)
        xywh[:, :2] -= xywh[:, 2:] / 2
        for b, s, c in zip(xywh.tolist(), det[:, 4].tolist(), det[:, 5].tolist()):
            results.append({"image_id": image["id"], "category_id": class_map[int(c)],
                            "bbox": [round(x, 3) for x in b], "score": round(s, 5)})
        t4 = time.perf_counter()
        for key, dt in (("decode", t1 - t0), ("letterbox", t2 - t1), ("inference", t3 - t2), ("decodeOutput", t4 - t3)):
            stages[key] += dt
    seconds = time.perf_counter() - started

    if not results:
        raise SystemExit("the model produced no detections above --conf; pycocotools cannot score an empty result list")
    t0 = time.perf_counter()
    coco_eval = COCOeval(gt, gt.loadRes(results), "bbox")
    coco_eval.params.imgIds = [i["id"] for i in images]
    coco_eval.evaluate()
    coco_eval.accumulate()
    coco_eval.summarize()
    stages["metric"] = time.perf_counter() - t0
    Path(args.out).write_text(json.dumps({
        "stats": [float(s) for s in coco_eval.stats], "latencyMs": latency, "detections": len(results),
        "throughput": {"images": len(images), "seconds": seconds, "imagesPerSecond": len(images) / seconds,
                       "batch": 1, "stageSeconds": stages},
        "versions": {"onnxruntime": ort.__version__, "opencv": cv2.__version__, "numpy": np.__version__},
    }, indent=1))


if __name__ == "__main__":
    main()
