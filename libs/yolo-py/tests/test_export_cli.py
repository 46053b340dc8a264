"""The export entry end to end on tiny YOLOv10n checkpoints: each trained model is written once per head (the
one-to-one, NMS-free file and the one-to-many file for NMS) with that head's output shape, and export.json lists them
as models.<variant>.<head>, conforming to the emitted schema."""

import os

os.environ.setdefault("YOLO_OFFLINE", "true")
os.environ.setdefault("YOLO_AUTOINSTALL", "false")

import copy
import json
from pathlib import Path

import onnxruntime as ort
import pytest
import torch
from ultralytics.nn.tasks import DetectionModel

from yolo_py.export.compare import fixed_inputs
from yolo_py.export.heads import HEADS, ONE2MANY_NMS, ONE2ONE
from yolo_py.export_cli import main
from yolo_py.json_schema import check
from yolo_py.quant import QatSettings, quantize_model, save_quant_checkpoint

IMGSZ = 96  # 189 anchors: distinct from 4 + nc = 84, so a swapped axis cannot pass
ANCHORS = (IMGSZ // 8) ** 2 + (IMGSZ // 16) ** 2 + (IMGSZ // 32) ** 2
FILES = {
    ("fp16", ONE2ONE): "fp16.onnx",
    ("fp16", ONE2MANY_NMS): "fp16-one2many.onnx",
    ("qat", ONE2ONE): "qat.onnx",
    ("qat", ONE2MANY_NMS): "qat-one2many.onnx",
    ("qat-ft", ONE2ONE): "qat-ft.onnx",
    ("qat-ft", ONE2MANY_NMS): "qat-ft-one2many.onnx",
}
SHAPE = {ONE2ONE: [min(300, ANCHORS), 6], ONE2MANY_NMS: [84, ANCHORS]}


@pytest.fixture(scope="module")
def exported(tmp_path_factory, yolo_config_dir) -> Path:
    d = tmp_path_factory.mktemp("export-cli")
    torch.manual_seed(0)
    fp16 = DetectionModel("yolov10n.yaml", nc=80, verbose=False).eval()
    torch.save({"model": copy.deepcopy(fp16).half(), "ema": None}, d / "fp16.pt")  # as Ultralytics saves best.pt
    qat = copy.deepcopy(fp16)
    quantize_model(qat, QatSettings())
    save_quant_checkpoint(d / "qat.pt", qat, QatSettings(), {})
    save_quant_checkpoint(d / "qat-ft.pt", qat, QatSettings(), {})  # the fine-tune: a checkpoint of the same format
    out = d / "onnx"
    out.mkdir()
    models = [{"variant": v, "head": h, "checkpoint": str(d / f"{v}.pt"), "file": f} for (v, h), f in FILES.items()]
    (d / "request.json").write_text(json.dumps({"out_dir": str(out), "imgsz": IMGSZ, "opset": 18, "models": models}))
    assert main([str(d / "request.json"), str(yolo_config_dir)]) == 0
    return out


def test_both_heads_of_every_model_are_written_with_their_output_shapes(exported):
    for (variant, head), file in FILES.items():
        session = ort.InferenceSession(str(exported / file), providers=["CPUExecutionProvider"])
        out = session.run(None, {"images": fixed_inputs(IMGSZ)})[0]
        assert list(out.shape) == [2, *SHAPE[head]], (variant, head)
    assert sorted(p.name for p in exported.iterdir()) == sorted([*FILES.values(), "export.json"])


def test_export_json_lists_every_file_by_variant_and_head(exported):
    export_json = json.loads((exported / "export.json").read_text())
    check(export_json, "export.schema.json", exported / "export.json")
    for (variant, head), file in FILES.items():
        entry = export_json["models"][variant][head]
        assert (entry["variant"], entry["head"], entry["file"]) == (variant, head, file)
        assert entry["outputs"] == [{"name": "output0", "dtype": "float", "shape": ["batch", *SHAPE[head]]}]
        assert entry["graph"] == ("float" if variant == "fp16" else "qcdq")
    assert set(export_json["models"]["fp16"]) == set(HEADS)
    # A raw head has no top-k ordering to excuse: every value agrees, even for an untrained model.
    assert all(export_json["models"][v][ONE2MANY_NMS]["torchVsOrt"]["withinTolerance"] for v in ("fp16", "qat", "qat-ft"))
