"""Exports a randomly initialised YOLOv10n (built from Ultralytics' bundled yolov10n.yaml, nothing downloaded) to ONNX,
for benchmarking only: once as a raw head [1, 84, anchors] and once end-to-end [1, 300, 6] (nms=False).
A fresh model is useless for timing: PyTorch's default conv init shrinks activations layer after layer and the class
biases start near -11, so every score is the same ~1e-5, below the 0.001 threshold. Convolutions are therefore
re-initialised (Kaiming normal, which keeps the activation scale) and the class convolutions amplified and shifted
(CLASS_GAIN, CLASS_BIAS), so that scores vary and tens of thousands of candidates per image straddle the threshold,
as with a trained model: decoding and NMS get a realistic amount of work.

Usage: YOLO_OFFLINE=true python export_random_yolov10n.py OUT_DIR IMGSZ  ->  OUT_DIR/raw/yolov10n.onnx, OUT_DIR/e2e/yolov10n.onnx
"""
import os
import shutil
import sys
from pathlib import Path

import torch
from torch import nn
from ultralytics import YOLO

CLASS_BIAS = -8.0
CLASS_GAIN = 300.0


def main() -> None:
    out, imgsz = Path(sys.argv[1]), int(sys.argv[2])
    for form, nms in (("raw", None), ("e2e", False)):
        torch.manual_seed(0)
        (out / form).mkdir(parents=True, exist_ok=True)
        model = YOLO("yolov10n.yaml")
        head = model.model.model[-1]
        with torch.no_grad():
            for module in model.model.modules():
                if isinstance(module, nn.Conv2d):
                    nn.init.kaiming_normal_(module.weight, nonlinearity="relu")
            for branch in (*head.cv3, *head.one2one_cv3):
                branch[-1].weight.mul_(CLASS_GAIN)
                branch[-1].bias.fill_(CLASS_BIAS)
        exported = Path(model.export(format="onnx", imgsz=imgsz, nms=nms))
        shutil.move(str(exported), out / form / "yolov10n.onnx")
        print(out / form / "yolov10n.onnx")


if __name__ == "__main__":
    os.chdir(sys.argv[1])  # Ultralytics writes next to the model source; keep it all in the temp folder
    main()
