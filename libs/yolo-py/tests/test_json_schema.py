"""The Python side checks requests and artifacts against the schemas TypeScript emits, naming file and field."""

import json

import pytest

from yolo_py.json_schema import CONTRACTS_DIR, check, load_schema, problem, read_checked
from yolo_py.progress import read_progress
from yolo_py.request import TrainRequest

SCHEMA = {
    "type": "object",
    "properties": {
        "n": {"type": "integer", "minimum": 0},
        "kind": {"type": "string", "enum": ["a", "b"]},
        "maybe": {"anyOf": [{"type": "object", "properties": {"x": {"type": "number"}}, "required": ["x"]}, {"type": "null"}]},
        "names": {"type": "array", "items": {"type": "string", "pattern": "^[a-z]+$"}, "minItems": 1, "maxItems": 2},
    },
    "required": ["n", "kind"],
    "additionalProperties": False,
}


@pytest.mark.parametrize(
    ("document", "field", "what"),
    [
        ({"n": 1, "kind": "a"}, None, None),
        ({"n": 1.0, "kind": "a", "maybe": None, "names": ["ab"]}, None, None),
        ({"kind": "a"}, "n", "missing"),
        ({"n": -1, "kind": "a"}, "n", "expected minimum 0, got -1"),
        ({"n": True, "kind": "a"}, "n", "expected integer, got true"),
        ({"n": 1, "kind": "c"}, "kind", "expected one of ['a', 'b'], got \"c\""),
        ({"n": 1, "kind": "a", "extra": 0}, "extra", "unknown key (known: kind, maybe, n, names)"),
        ({"n": 1, "kind": "a", "maybe": {}}, "maybe.x", "missing"),
        ({"n": 1, "kind": "a", "names": ["ok", "Bad"]}, "names[1]", "expected a string matching ^[a-z]+$, got \"Bad\""),
        ({"n": 1, "kind": "a", "names": []}, "names", "expected 1 to 2 items, got 0"),
        ([], "(top level)", "expected object, got []"),
    ],
)
def test_problem_names_the_field_and_what_is_expected(document, field, what):
    found = problem(document, SCHEMA)
    assert found == (None if field is None else (field, what))


def test_every_emitted_schema_uses_only_keywords_the_validator_checks():
    names = sorted(p.name for p in CONTRACTS_DIR.glob("*.schema.json"))
    assert [n.removesuffix(".schema.json") for n in names] == [
        "calibration", "export", "export_request", "progress", "ptq_w4a16", "ptq_w4a16_request", "ptq_w8a8", "ptq_w8a8_request", "qat_settings", "quantization_report", "run", "train_request",
    ]
    for name in names:
        load_schema(name)


def test_a_schema_with_a_keyword_it_does_not_check_is_refused(tmp_path, monkeypatch):
    monkeypatch.setattr("yolo_py.json_schema.CONTRACTS_DIR", tmp_path)
    (tmp_path / "odd.schema.json").write_text(json.dumps({"type": "object", "properties": {"a": {"const": 1}}}))
    with pytest.raises(ValueError, match="odd.schema.json: JSON Schema keyword 'const' is not understood"):
        load_schema("odd.schema.json")


def test_check_and_read_checked_name_the_file(tmp_path):
    with pytest.raises(ValueError, match=r"^where\.json: models\[0\]\.variant: expected one of \['fp16', 'qat', 'qat-ft'\]"):
        check({"out_dir": "/o", "imgsz": 64, "opset": 18, "models": [{"variant": "int8", "head": "one2one", "checkpoint": "c", "file": "m.onnx"}]},
              "export_request.schema.json", "where.json")
    broken = tmp_path / "broken.json"
    broken.write_text("{")
    with pytest.raises(ValueError, match=r"broken\.json: cannot read it as JSON"):
        read_checked(broken, "progress.schema.json")


def good_train_request(tmp_path):
    return {
        "variant": "fp16", "model": "yolov10n.yaml", "data": "/d/data.yaml", "save_dir": str(tmp_path), "epochs": 1,
        "batch": 4, "imgsz": 64, "seed": 0, "optimizer": "SGD", "amp": False, "close_mosaic": 0, "save_period": 1,
        "device": "cpu", "workers": 0, "cuda_graphs": True, "hyps": {"lr0": 0.01}, "qat": None, "resume_from": None,
        "collapse_watch": None, "val_head": "one2one", "distill": None, "fine_tune": None,
    }


def test_a_bad_train_request_names_the_file_and_key(tmp_path):
    path = tmp_path / "request.json"
    path.write_text(json.dumps(good_train_request(tmp_path)))
    assert TrainRequest.from_file(path).variant == "fp16"
    path.write_text(json.dumps({**good_train_request(tmp_path), "epochs": "3"}))
    with pytest.raises(ValueError, match=r"request\.json: epochs: expected integer, got \"3\""):
        TrainRequest.from_file(path)
    path.write_text(json.dumps({**good_train_request(tmp_path), "qat": {"weight_bit_width": 4}}))
    with pytest.raises(ValueError, match=r"request\.json: qat\.per_channel: missing"):
        TrainRequest.from_file(path)
    # Every key is required (the dataclass has no defaults to fill in), and a benchmark's time box is no key of it.
    path.write_text(json.dumps({k: v for k, v in good_train_request(tmp_path).items() if k != "val_head"}))
    with pytest.raises(ValueError, match=r"request\.json: val_head: missing"):
        TrainRequest.from_file(path)
    path.write_text(json.dumps({**good_train_request(tmp_path), "time_hours": 1.0}))
    with pytest.raises(ValueError, match=r"request\.json: time_hours: unknown key"):
        TrainRequest.from_file(path)


def test_a_corrupted_progress_json_names_the_file_and_field(tmp_path):
    assert read_progress(tmp_path) == {}
    progress = {
        "trainSeconds": 1.5, "imagesSeen": 8, "wallSeconds": 2.0, "sessions": 1, "epochSeconds": [1.5], "epochsCompleted": 1,
        "amp": False, "batch": 4, "worldSize": 1, "deviceName": "cpu", "parameters": 10, "peakGpuMemoryGiB": None,
        "quantization": {"quantizedConvs": 3, "floatConvNames": []},
    }
    (tmp_path / "progress.json").write_text(json.dumps(progress))
    assert read_progress(tmp_path)["sessions"] == 1
    (tmp_path / "progress.json").write_text(json.dumps({**progress, "trainSeconds": "soon"}))
    with pytest.raises(ValueError, match=r"progress\.json: trainSeconds: expected number, got \"soon\""):
        read_progress(tmp_path)
    (tmp_path / "progress.json").write_text(json.dumps({**progress, "quantization": {"quantized_convs": 3}}))
    with pytest.raises(ValueError, match=r"progress\.json: quantization\.quantizedConvs: missing"):
        read_progress(tmp_path)
