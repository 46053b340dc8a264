"""The PTQ step end to end on a tiny YOLOv10n: W4A16 PTQ checkpoint and QCDQ file, packed INT4 copies of both
QCDQ files, the calibrated W8A8 file, the quantization report and ptq.json; bad input exits 2 naming the file."""

import os

os.environ.setdefault("YOLO_OFFLINE", "true")
os.environ.setdefault("YOLO_AUTOINSTALL", "false")

import copy
import json
from pathlib import Path

import numpy as np
import pytest
import torch
from ultralytics.nn.tasks import DetectionModel

from yolo_py import ptq_cli
from yolo_py.export import export_baseline_onnx, export_qcdq_onnx
from yolo_py.export.int4_pack import int4_weight_codes, qcdq_weight_codes
from yolo_py.quant import QatSettings, quantize_model, save_quant_checkpoint

IMGSZ = 64


@pytest.fixture(scope="module")
def request_file(tmp_path_factory) -> Path:
    d = tmp_path_factory.mktemp("ptq-cli")
    torch.manual_seed(0)
    fp16 = DetectionModel("yolov10n.yaml", nc=80, verbose=False).eval()
    torch.save({"model": copy.deepcopy(fp16).half(), "ema": None}, d / "best.pt")
    export_baseline_onnx(fp16, d / "fp16.onnx", IMGSZ, 18)
    qat = copy.deepcopy(fp16)
    quantize_model(qat, QatSettings())
    with torch.no_grad():  # "trained": weights moved a little from the FP16 ones
        for p in qat.parameters():
            p.add_(0.01 * torch.randn_like(p))
    save_quant_checkpoint(d / "qat.pt", qat, QatSettings(), {})
    export_qcdq_onnx(qat.eval(), d / "qat-qcdq.onnx", IMGSZ, 18)
    images = np.random.default_rng(0).random((3, 3, IMGSZ, IMGSZ), dtype=np.float32)
    images.tofile(d / "calibration.f32")
    (d / "calibration.json").write_text(json.dumps({"shape": [3, 3, IMGSZ, IMGSZ], "images": ["a.jpg", "b.jpg", "c.jpg"], "sha256": "x", "requested": 256}))
    common = {"imgsz": IMGSZ}
    w4a16 = {
        **common,
        "step": "w4a16",
        "out_dir": str(d / "out-w4a16"),
        "opset": 18,
        "qat_settings": QatSettings().to_dict(),
        "fp16_checkpoint": str(d / "best.pt"),
        "qat_checkpoint": str(d / "qat.pt"),
        "qat_qcdq_onnx": str(d / "qat-qcdq.onnx"),
    }
    w8a8 = {
        **common,
        "step": "w8a8",
        "out_dir": str(d / "out-w8a8"),
        "fp16_onnx": str(d / "fp16.onnx"),
        "calibration": {"tensor": str(d / "calibration.f32"), "meta": str(d / "calibration.json"), "method": "minmax"},
    }
    for name, request in (("w4a16", w4a16), ("w8a8", w8a8)):
        Path(request["out_dir"]).mkdir()
        (d / f"{name}.json").write_text(json.dumps(request))
    return d


def step_request(requests: Path, step: str) -> Path:
    return requests / f"{step}.json"


@pytest.fixture(scope="module")
def outputs(request_file, yolo_config_dir) -> Path:
    """Output folder of the w4a16 step (the w8a8 step's is checked in test_w8a8_step)."""
    assert ptq_cli.main([str(step_request(request_file, "w4a16")), str(yolo_config_dir)]) == 0
    return Path(json.loads(step_request(request_file, "w4a16").read_text())["out_dir"])


FILES = ptq_cli.FILES["w4a16"]


def test_w8a8_step(request_file, yolo_config_dir):
    assert ptq_cli.main([str(step_request(request_file, "w8a8")), str(yolo_config_dir)]) == 0
    out = Path(json.loads(step_request(request_file, "w8a8").read_text())["out_dir"])
    assert sorted(p.name for p in out.iterdir()) == sorted(ptq_cli.FILES["w8a8"].values())
    summary = json.loads((out / ptq_cli.FILES["w8a8"]["summary"]).read_text())
    assert summary["w8a8"]["calibration"] == {"images": ["a.jpg", "b.jpg", "c.jpg"], "sha256": "x", "requested": 256}
    coverage = summary["w8a8"]["graph"]["conv_quantization"]
    assert coverage["convs"] > 0
    assert coverage["weight_quantized"] == coverage["activation_quantized"] == coverage["convs"], coverage
    assert summary["files"]["w8a8"]["bytes"] == (out / ptq_cli.FILES["w8a8"]["w8a8"]).stat().st_size


def test_writes_every_file(outputs):
    assert sorted(p.name for p in outputs.iterdir()) == sorted(FILES.values())
    summary = json.loads((outputs / FILES["summary"]).read_text())
    assert summary["ptq_w4a16"]["export"]["torch_vs_ort"]["within_tolerance"]
    for key in ("qat_int4", "ptq_int4"):
        assert summary["int4"][key]["qcdq_vs_int4"]["within_tolerance"] and summary["int4"][key]["opset"] == 21
    assert summary["files"]["qat_int4"]["bytes"] < summary["files"]["ptq_qcdq"]["bytes"]


def test_packed_files_hold_their_qcdq_codes(request_file, outputs):
    qat_qcdq = Path(json.loads(step_request(request_file, "w4a16").read_text())["qat_qcdq_onnx"])
    for qcdq, packed in ((qat_qcdq, outputs / FILES["qat_int4"]), (outputs / FILES["ptq_qcdq"], outputs / FILES["ptq_int4"])):
        a, b = qcdq_weight_codes(qcdq), int4_weight_codes(packed)
        assert a.keys() == b.keys() and all(np.array_equal(a[k], b[k]) for k in a)
    # QAT and PTQ differ (the QAT weights moved), so the two reports differ too
    assert not all(np.array_equal(x, y) for x, y in zip(qcdq_weight_codes(qat_qcdq).values(), qcdq_weight_codes(outputs / FILES["ptq_qcdq"]).values()))


def test_quantization_report(outputs):
    report = json.loads((outputs / FILES["report"]).read_text())
    for key in ("qat", "fp16_weights"):
        layers = report[key]["layers"]
        assert len(layers) == 107 and all(l["bit_width"] == 4 and l["sqnr_db"] > 0 for l in layers)
        assert len(report[key]["lowest"]) == 10
        assert report[key]["totals"]["quantized_convs"] == 107
    assert [l["name"] for l in report["qat"]["layers"]] == [l["name"] for l in report["fp16_weights"]["layers"]]


def test_bad_input_exits_2_naming_it(request_file, yolo_config_dir, tmp_path, capsys):
    request = json.loads(step_request(request_file, "w4a16").read_text())
    request["out_dir"] = str(tmp_path)
    request["qat_checkpoint"] = str(tmp_path / "missing.pt")
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps(request))
    assert ptq_cli.main([str(bad), str(yolo_config_dir)]) == 2
    assert "missing.pt: not found (request key 'qat_checkpoint')" in capsys.readouterr().err
    bad.write_text(json.dumps(request | {"step": "both"}))
    assert ptq_cli.main([str(bad), str(yolo_config_dir)]) == 2
    assert "key 'step' must be one of ['w4a16', 'w8a8'], got 'both'" in capsys.readouterr().err
    request = json.loads(step_request(request_file, "w8a8").read_text()) | {"out_dir": str(tmp_path)}
    request["calibration"] = {**request["calibration"], "method": "max"}
    bad.write_text(json.dumps(request))
    assert ptq_cli.main([str(bad), str(yolo_config_dir)]) == 2
    assert "calibration method must be one of ['minmax', 'entropy', 'percentile'], got 'max'" in capsys.readouterr().err
    assert not (tmp_path / ptq_cli.FILES["w8a8"]["summary"]).exists() and not (tmp_path / FILES["summary"]).exists()
