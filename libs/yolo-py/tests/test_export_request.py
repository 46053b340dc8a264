"""The export request is checked before any model loads: a bad one names the file and the key."""

import json

import pytest

from yolo_py.export_cli import export_entry, main
from yolo_py.export_request import ExportModel, ExportRequest

GOOD = {
    "out_dir": "/tmp/out",
    "imgsz": 64,
    "opset": 18,
    "models": [
        {"variant": "fp16", "head": "one2one", "checkpoint": "/r/fp16/weights/best.pt", "file": "yolov10-fp16.onnx"},
        {"variant": "qat", "head": "one2one", "checkpoint": "/r/qat/weights/best.pt", "file": "yolov10-w4a16-qcdq.onnx"},
        {"variant": "qat", "head": "one2many-nms", "checkpoint": "/r/qat/weights/best.pt", "file": "yolov10-w4a16-qcdq-one2many.onnx"},
    ],
}


def write(tmp_path, data):
    path = tmp_path / "export-request.json"
    path.write_text(json.dumps(data))
    return path


def test_a_good_request_parses(tmp_path):
    request = ExportRequest.from_file(write(tmp_path, GOOD))
    assert request.opset == 18 and [(m.variant, m.head) for m in request.models] == [("fp16", "one2one"), ("qat", "one2one"), ("qat", "one2many-nms")]


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda d: d.pop("opset"), r": opset: missing"),
        (lambda d: d.update(opset="18"), r": opset: expected integer, got \"18\""),
        (lambda d: d.update(extra=1), r": extra: unknown key \(known: bn_reestimation, imgsz, models, opset, out_dir\)"),
        (lambda d: d["models"][1].update(variant="int8"), r"models\[1\]\.variant: expected one of \['fp16', 'qat', 'qat-ft'\]"),
        (lambda d: d["models"][0].pop("file"), r"models\[0\]\.file: missing"),
        (lambda d: d["models"][0].update(file="../x.onnx"), r"models\[0\]\.file: expected a string matching"),
        (lambda d: d["models"][0].update(head="one2many"), r"models\[0\]\.head: expected one of \['one2one', 'one2many-nms'\]"),
        (lambda d: d["models"][0].pop("head"), r"models\[0\]\.head: missing"),
        (lambda d: d["models"].append(dict(d["models"][0], file="other.onnx")), r"models: each variant and head once"),
        (lambda d: d["models"][2].update(file="yolov10-w4a16-qcdq.onnx"), r"models: each file once"),
        (lambda d: d["models"][2].update(checkpoint="/r/qat/weights/last.pt"), r"models: one checkpoint per variant"),
    ],
)
def test_a_bad_request_names_the_file_and_key(tmp_path, change, message):
    data = json.loads(json.dumps(GOOD))
    change(data)
    path = write(tmp_path, data)
    with pytest.raises(ValueError, match=message) as caught:
        ExportRequest.from_file(path)
    assert str(path) in str(caught.value)


def test_the_cli_exits_with_the_bad_input_code_before_loading_anything(tmp_path, capsys):
    path = write(tmp_path, {**GOOD, "opset": None})
    assert main([str(path), str(tmp_path / "cfg")]) == 2
    assert "opset: expected integer, got null" in capsys.readouterr().err


def test_an_entry_keeps_both_descriptions_of_the_file_without_overwriting():
    entry = ExportModel("qat", "one2one", "/r/qat/weights/best.pt", "yolov10-w4a16-qcdq.onnx")
    summary = {"graph": "qcdq", "path": "/staging/x.onnx", "opset": 18, "exporter": "brevitas"}
    # A report that (wrongly) carries the entry's own keys cannot replace them.
    report = {"graph": "qcdq", "path": "/staging/x.onnx", "opset": 18, "sha256": "0" * 64, "variant": "fp16", "head": "one2many-nms", "file": "y.onnx"}
    written = export_entry(entry, summary, report, "f" * 64)
    assert written["graph"] == "qcdq" and written["export"] == {"graph": "qcdq", "opset": 18, "exporter": "brevitas"}
    assert written["file"] == "yolov10-w4a16-qcdq.onnx" and written["variant"] == "qat" and written["head"] == "one2one" and "path" not in written
    assert written["opset"] == 18 and written["checkpoint_sha256"] == "f" * 64
