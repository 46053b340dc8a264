"""YOLOv10m, the experiment's model: the exported baseline holds its 15.36 M inference parameters.

The slowest export test (about 15 s on a 2-core CPU); the parameter count does not depend on the
input size, so it exports at 320 to keep the trace small.
"""

import os

os.environ.setdefault("YOLO_OFFLINE", "true")
os.environ.setdefault("YOLO_AUTOINSTALL", "false")

import tempfile
from pathlib import Path

import onnx
from ultralytics.nn.tasks import DetectionModel

from yolo_py.export.baseline import export_baseline_onnx
from yolo_py.export.prepare import prepare_for_export
from yolo_py.export.graph_stats import conv_parameter_count, io_signature


def test_yolov10m_exports_15_36m_inference_parameters():
    model = DetectionModel("yolov10m.yaml", nc=80, verbose=False)
    # Training holds both heads (16.58 M); inference keeps the one-to-one head with BN folded.
    assert sum(p.numel() for p in model.parameters()) == 16_576_768
    with tempfile.TemporaryDirectory(prefix="yolo-py-v10m-") as d:
        path = Path(d) / "yolov10m.onnx"
        export_baseline_onnx(model, path, imgsz=320, opset=18)
        proto = onnx.load(str(path))
    assert conv_parameter_count(proto) == 15_359_488  # "15.36 M"
    assert sum(p.numel() for p in prepare_for_export(model, 320).parameters()) == 15_359_488
    assert io_signature(proto)["outputs"][0]["shape"] == ["batch", 300, 6]
