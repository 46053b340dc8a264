"""What separates a training's final validation from the eval stage's score of the same checkpoint and head
(libs/eval/src/fidelity.ts): Ultralytics' own validation of one checkpoint, run the training's way and the ONNX
file's way, one difference at a time, on Ultralytics' metric (mAP50-95).

  rect-fp32    rect batches of 2 x batch (the training's val loader), float32: the final validation on a CPU
  rect-fp16    the same with the model in half precision: the final validation under AMP on CUDA (here on the CPU)
  square-fp32  every image letterboxed square, batch 1, float32: what the ONNX file sees in the eval stage
               (tools/parity/ultralytics-val.ts: this evaluator's detections equal Ultralytics' there)
  square-clip  the same with each predicted box clipped to the image before matching, as the eval stage's Ultralytics
               metric matches the boxes of its COCO results (libs/eval/src/ultralytics-metric): the ONNX file's score

for the head the training validated (one2one: nms=False) and the other (one2many-nms: nms=True). rect-fp16 of the
one-to-many head is left out (torchvision's NMS has no CPU half kernel).

Usage (from the workspace root, after the run's trainings):
  PYTHONPATH=libs/yolo-py .venv/bin/python tools/bench/fidelity/val_variants.py <run-root> <fp16|qat> [checkpoint ...]
Checkpoints default to <run-root>/<variant>/weights/best.pt; others (epoch10.pt, ...) may be named to see how the
differences move with mAP. Prints one line per checkpoint, head and way, then the differences.
"""

from __future__ import annotations

import contextlib
import datetime
import io
import json
import platform
import sys
import tempfile
from pathlib import Path

from yolo_py import offline


def load(variant: str, checkpoint: Path, data: dict, args):
    """The checkpoint as the trainer's final validation gets it: an nn.Module with the dataset's names and the run's args."""
    if variant == "qat":
        from yolo_py.quant import load_quant_checkpoint

        model, _, _ = load_quant_checkpoint(checkpoint)
    else:
        from ultralytics.nn.tasks import load_checkpoint

        model, _ = load_checkpoint(checkpoint, device="cpu")
    model.nc, model.names, model.args = data["nc"], data["names"], args
    return model.float().eval()


@contextlib.contextmanager
def clipped_to_image(enabled: bool):
    """Ultralytics matches the model's boxes in the letterboxed input, unclipped; square-clip clips them to the image
    there first (the image's region inside the letterbox: ratio_pad), which is what clipping in original pixels does."""
    from ultralytics.models.yolo.detect import DetectionValidator

    if not enabled:
        yield
        return
    original = DetectionValidator.update_metrics

    def update_metrics(self, preds, batch):
        for si, pred in enumerate(preds):
            (gain, *_), (left, top) = batch["ratio_pad"][si]
            height, width = batch["ori_shape"][si]
            box = pred["bboxes"]
            box[:, 0::2] = box[:, 0::2].clamp(left, left + width * gain)
            box[:, 1::2] = box[:, 1::2].clamp(top, top + height * gain)
        return original(self, preds, batch)

    DetectionValidator.update_metrics = update_metrics
    try:
        yield
    finally:
        DetectionValidator.update_metrics = original


@contextlib.contextmanager
def half_on_cpu(enabled: bool):
    """Ultralytics runs a .pt model in half precision only on CUDA; for rect-fp16 the backend is switched to it here."""
    from ultralytics.nn.autobackend import AutoBackend

    if not enabled:
        yield
        return
    original = AutoBackend.__init__

    def init(self, *a, **k):
        original(self, *a, **k)
        self.backend.fp16 = True
        self.backend.model.half()

    AutoBackend.__init__ = init
    try:
        yield
    finally:
        AutoBackend.__init__ = original


def validate(variant: str, checkpoint: Path, data_yaml: Path, imgsz: int, batch: int, rect: bool, half: bool, nms: bool, clip: bool = False) -> float:
    from ultralytics.cfg import get_cfg
    from ultralytics.data.utils import check_det_dataset
    from ultralytics.models.yolo.detect import DetectionValidator

    overrides = {"data": str(data_yaml), "imgsz": imgsz, "batch": batch, "rect": rect, "nms": nms, "conf": 0.001, "iou": 0.7,
                 "device": "cpu", "plots": False, "save_json": False, "verbose": False, "mode": "val", "task": "detect"}
    args = get_cfg(overrides=overrides)
    model = load(variant, checkpoint, check_det_dataset(str(data_yaml)), args)
    with tempfile.TemporaryDirectory() as save_dir, half_on_cpu(half), clipped_to_image(clip), contextlib.redirect_stdout(io.StringIO()):
        validator = DetectionValidator(args=overrides, save_dir=Path(save_dir))
        metrics = validator(model=model)
    return float(metrics["metrics/mAP50-95(B)"])


def main(run_root: str, variant: str, *checkpoints: str) -> None:
    root = Path(run_root)
    request = json.loads((root / variant / "request.json").read_text())
    data_yaml = root / ".train-data" / variant / "data.yaml"  # the training's own view: label caches land there
    files = [Path(c) for c in checkpoints] or [root / variant / "weights" / "best.pt"]
    imgsz, batch = request["imgsz"], 2 * request["batch"]  # the trainer's val loader: twice the train batch
    own = request.get("val_head", "one2one")
    with tempfile.TemporaryDirectory() as scratch:
        offline.configure(Path(scratch) / "config")
        print(f"date: {datetime.datetime.now(datetime.timezone.utc).isoformat()}; machine: {platform.machine()}, python {platform.python_version()}")
        print(f"run {root}, {variant}, imgsz {imgsz}, val batch {batch}, valHead {own}; mAP50-95 (Ultralytics' metric)")
        for checkpoint in files:
            for head in ("one2one", "one2many-nms"):
                nms = head != "one2one"
                ways = {"rect-fp32": (True, False, batch, False), "square-fp32": (False, False, 1, False), "square-clip": (False, False, 1, True)}
                if not nms:
                    ways["rect-fp16"] = (True, True, batch, False)
                got = {way: validate(variant, checkpoint, data_yaml, imgsz, b, rect, half, nms, clip) for way, (rect, half, b, clip) in ways.items()}
                diffs = f"square-rect {got['square-fp32'] - got['rect-fp32']:+.4f}, clip {got['square-clip'] - got['square-fp32']:+.4f}"
                if "rect-fp16" in got:
                    diffs += f", fp16-fp32 {got['rect-fp16'] - got['rect-fp32']:+.4f}"
                diffs += f"; square-clip - rect-fp32 (what the eval stage's check sees, on a CPU) {got['square-clip'] - got['rect-fp32']:+.4f}"
                mark = " (the head training validated)" if head == own else ""
                print(f"{checkpoint.name} {head}{mark}: " + ", ".join(f"{w} {v:.4f}" for w, v in got.items()) + f"; {diffs}", flush=True)


if __name__ == "__main__":
    main(*sys.argv[1:])
