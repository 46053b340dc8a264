"""Exports randomly initialised YOLOv10 models with the project's own exporter (yolo_py.export), for benchmarking only:
end-to-end output [batch, 300, 6], dynamic batch axis, once float (export_baseline_onnx) and once Brevitas W4A16 QCDQ
(quantize_model + export_qcdq_onnx), exactly the two one-to-one (NMS-free) files the export stage writes. Convolutions are re-initialised
as in export_random_yolov10n.py (Kaiming normal, class convolutions amplified and shifted) so that scores vary and
decoding gets a realistic amount of work; nothing is downloaded.

Usage: YOLO_OFFLINE=true PYTHONPATH=libs/yolo-py python export_project_models.py OUT_DIR IMGSZ OPSET yolov10n [yolov10m ...]
  ->  OUT_DIR/<model>/fp16.onnx and OUT_DIR/<model>/qcdq.onnx
"""
import sys
from pathlib import Path

import torch
from torch import nn
from ultralytics.nn.tasks import DetectionModel

from yolo_py.export.baseline import export_baseline_onnx
from yolo_py.export.qcdq import export_qcdq_onnx
from yolo_py.quant import QatSettings, quantize_model

CLASS_BIAS = -8.0
CLASS_GAIN = 300.0


def random_model(name: str, quantize: bool) -> DetectionModel:
    torch.manual_seed(0)
    model = DetectionModel(f"{name}.yaml", nc=80, verbose=False)
    head = model.model[-1]
    with torch.no_grad():
        for module in model.modules():
            if isinstance(module, nn.Conv2d):
                nn.init.kaiming_normal_(module.weight, nonlinearity="relu")
        for branch in (*head.cv3, *head.one2one_cv3):
            branch[-1].weight.mul_(CLASS_GAIN)
            branch[-1].bias.fill_(CLASS_BIAS)
    if quantize:
        quantize_model(model, QatSettings())
    return model.eval()


def main() -> None:
    out, imgsz, opset = Path(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3])
    for name in sys.argv[4:]:
        (out / name).mkdir(parents=True, exist_ok=True)
        export_baseline_onnx(random_model(name, False), out / name / "fp16.onnx", imgsz, opset)
        export_qcdq_onnx(random_model(name, True), out / name / "qcdq.onnx", imgsz, opset)
        print(out / name, flush=True)


if __name__ == "__main__":
    main()
