"""Both PTQ entry points end to end on a tiny YOLOv10n: W4A16 PTQ checkpoint and QCDQ file, packed INT4 copies of
the three QCDQ files (QAT, QAT fine-tune, PTQ), the quantization report and ptq-w4a16.json (yolo_py.ptq_w4a16_cli);
the calibrated W8A8 file and ptq-w8a8.json (yolo_py.ptq_w8a8_cli). Artifacts are camelCase and conform to the emitted
schemas; a bad request exits 2 naming the file and the key, and writes nothing."""

import os

os.environ.setdefault("YOLO_OFFLINE", "true")
os.environ.setdefault("YOLO_AUTOINSTALL", "false")

import copy
import json
from pathlib import Path

import numpy as np
import pytest
import torch

from yolo_py import ptq_w4a16_cli, ptq_w8a8_cli
from yolo_py.json_schema import check
from yolo_py.ptq.w8a8 import CALIBRATION_METHODS
from yolo_py.ptq_step import FILES as STEP_FILES
from yolo_py.ptq_step import main
from yolo_py.export.baseline import export_baseline_onnx
from yolo_py.export.qcdq import export_qcdq_onnx
from yolo_py.export.int4_pack import int4_weight_codes, weight_codes
from yolo_py.quant import QatSettings

from tiny_checkpoints import save_fp16_and_qat

IMGSZ = 64


@pytest.fixture(scope="module")
def request_file(tmp_path_factory) -> Path:
    d = tmp_path_factory.mktemp("ptq-cli")
    fp16, qat = save_fp16_and_qat(d / "best.pt", d / "qat.pt", nudge=0.01)  # "trained": QAT weights moved a little
    export_baseline_onnx(fp16, d / "fp16.onnx", IMGSZ, 18)
    export_qcdq_onnx(qat.eval(), d / "qat-qcdq.onnx", IMGSZ, 18)
    qat_ft = copy.deepcopy(qat)  # the fine-tune: another model with the same quantizer
    with torch.no_grad():
        for p in qat_ft.parameters():
            p.add_(0.01 * torch.randn_like(p))
    export_qcdq_onnx(qat_ft.eval(), d / "qat-ft-qcdq.onnx", IMGSZ, 18)
    images = np.random.default_rng(0).random((3, 3, IMGSZ, IMGSZ), dtype=np.float32)
    images.tofile(d / "calibration.f32")
    (d / "calibration.json").write_text(json.dumps({"shape": [3, 3, IMGSZ, IMGSZ], "imgsz": IMGSZ, "images": ["a.jpg", "b.jpg", "c.jpg"], "sha256": "c" * 64, "requested": 256, "letterbox": "val"}))
    common = {"imgsz": IMGSZ}
    w4a16 = {
        **common,
        "out_dir": str(d / "out-w4a16"),
        "opset": 18,
        # What the stage sends: conf/qat.yaml's four settings (the request schema's), the rest default.
        "qat_settings": {k: v for k, v in QatSettings().to_dict().items() if k in ("weight_bit_width", "per_channel", "narrow_range", "keep_float", "layers")},
        "fp16_checkpoint": str(d / "best.pt"),
        "qat_checkpoint": str(d / "qat.pt"),
        "qat_qcdq_onnx": str(d / "qat-qcdq.onnx"),
        "qat_ft_qcdq_onnx": str(d / "qat-ft-qcdq.onnx"),
    }
    w8a8 = {
        **common,
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


def run_w4a16(argv: list[str]) -> int:
    return main(argv, "usage", ptq_w4a16_cli.W4a16Request.from_file, ptq_w4a16_cli.run)


def run_w8a8(argv: list[str]) -> int:
    return main(argv, "usage", ptq_w8a8_cli.W8a8Request.from_file, ptq_w8a8_cli.run)


@pytest.fixture(scope="module")
def outputs(request_file, yolo_config_dir) -> Path:
    """Output folder of the w4a16 step (the w8a8 step's is checked in test_w8a8_step)."""
    assert run_w4a16([str(step_request(request_file, "w4a16")), str(yolo_config_dir)]) == 0
    return Path(json.loads(step_request(request_file, "w4a16").read_text())["out_dir"])


FILES = STEP_FILES["w4a16"]
W8A8 = STEP_FILES["w8a8"]


def test_request_calibration_methods_are_the_quantizers():
    from yolo_py.json_schema import load_schema

    schema = load_schema("ptq_w8a8_request.schema.json")
    assert tuple(schema["properties"]["calibration"]["properties"]["method"]["enum"]) == CALIBRATION_METHODS


def test_w8a8_step(request_file, yolo_config_dir):
    assert run_w8a8([str(step_request(request_file, "w8a8")), str(yolo_config_dir)]) == 0
    out = Path(json.loads(step_request(request_file, "w8a8").read_text())["out_dir"])
    assert sorted(p.name for p in out.iterdir()) == sorted(W8A8.values())
    summary = check(json.loads((out / W8A8["summary"]).read_text()), "ptq_w8a8.schema.json", W8A8["summary"])
    assert summary["w8a8"]["calibration"] == {"images": ["a.jpg", "b.jpg", "c.jpg"], "sha256": "c" * 64, "requested": 256, "letterbox": "val"}
    assert summary["w8a8"]["calibrationMethod"] == "minmax"
    coverage = summary["w8a8"]["graph"]["convQuantization"]
    assert coverage["convs"] > 0
    assert coverage["weightQuantized"] == coverage["activationQuantized"] == coverage["convs"], coverage
    assert summary["files"]["w8a8"]["bytes"] == (out / W8A8["w8a8"]).stat().st_size


def test_writes_every_file(outputs):
    assert sorted(p.name for p in outputs.iterdir()) == sorted(FILES.values())
    summary = check(json.loads((outputs / FILES["summary"]).read_text()), "ptq_w4a16.schema.json", FILES["summary"])
    assert summary["ptqW4a16"]["export"]["torchVsOrt"]["withinTolerance"]
    for key in ("qatInt4", "qatFtInt4", "ptqInt4"):
        assert summary["int4"][key]["qcdqVsInt4"]["withinTolerance"] and summary["int4"][key]["opset"] == 21
    assert summary["files"]["qatInt4"]["bytes"] < summary["files"]["ptqQcdq"]["bytes"]
    assert {k: summary["qatSettings"][k] for k in ("weightBitWidth", "perChannel", "narrowRange")} == {"weightBitWidth": 4, "perChannel": True, "narrowRange": True}


def test_packed_files_hold_their_qcdq_codes(request_file, outputs):
    request = json.loads(step_request(request_file, "w4a16").read_text())
    qat_qcdq, qat_ft_qcdq = Path(request["qat_qcdq_onnx"]), Path(request["qat_ft_qcdq_onnx"])
    pairs = ((qat_qcdq, FILES["qatInt4"]), (qat_ft_qcdq, FILES["qatFtInt4"]), (outputs / FILES["ptqQcdq"], FILES["ptqInt4"]))
    for qcdq, packed in ((qcdq, outputs / name) for qcdq, name in pairs):
        a, b = weight_codes(qcdq), int4_weight_codes(packed)
        assert a.keys() == b.keys() and all(np.array_equal(a[k], b[k]) for k in a)
    # QAT and PTQ differ (the QAT weights moved), so the two reports differ too
    assert not all(np.array_equal(x, y) for x, y in zip(weight_codes(qat_qcdq).values(), weight_codes(outputs / FILES["ptqQcdq"]).values()))


def test_quantization_report(outputs):
    report = check(json.loads((outputs / FILES["report"]).read_text()), "quantization_report.schema.json", FILES["report"])
    for key in ("qat", "fp16Weights"):
        layers = report[key]["layers"]
        assert len(layers) == 107 and all(l["bitWidth"] == 4 and l["sqnrDb"] > 0 for l in layers)
        assert len(report[key]["lowest"]) == 10
        assert report[key]["totals"]["quantizedConvs"] == 107
    assert [l["name"] for l in report["qat"]["layers"]] == [l["name"] for l in report["fp16Weights"]["layers"]]


def test_bad_input_exits_2_naming_it(request_file, yolo_config_dir, tmp_path, capsys):
    bad = tmp_path / "bad.json"

    def refused(run, request: dict) -> str:
        bad.write_text(json.dumps(request))
        assert run([str(bad), str(yolo_config_dir)]) == 2
        return capsys.readouterr().err

    w4a16 = json.loads(step_request(request_file, "w4a16").read_text()) | {"out_dir": str(tmp_path)}
    assert f"{tmp_path / 'missing.pt'}: not found (request {bad}, key 'qat_checkpoint')" in refused(run_w4a16, w4a16 | {"qat_checkpoint": str(tmp_path / "missing.pt")})
    assert f"{bad}: step: unknown key" in refused(run_w4a16, w4a16 | {"step": "w4a16"})
    assert f"{bad}: opset: missing" in refused(run_w4a16, {k: v for k, v in w4a16.items() if k != "opset"})
    assert f"{bad}: qat_settings.weight_bit_width: expected integer" in refused(run_w4a16, w4a16 | {"qat_settings": w4a16["qat_settings"] | {"weight_bit_width": "4"}})
    w8a8 = json.loads(step_request(request_file, "w8a8").read_text()) | {"out_dir": str(tmp_path)}
    err = refused(run_w8a8, w8a8 | {"calibration": w8a8["calibration"] | {"method": "max"}})
    assert f"{bad}: calibration.method: expected one of ['minmax', 'entropy', 'percentile'], got \"max\"" in err
    meta = tmp_path / "calibration.json"
    meta.write_text(json.dumps(json.loads(Path(w8a8["calibration"]["meta"]).read_text()) | {"sha256": "x"}))
    assert f"{meta}: sha256: expected a string matching" in refused(run_w8a8, w8a8 | {"calibration": w8a8["calibration"] | {"meta": str(meta)}})
    assert sorted(p.name for p in tmp_path.iterdir()) == ["bad.json", "calibration.json"], "a refused request wrote something"
