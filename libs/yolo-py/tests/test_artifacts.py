"""The JSON artifacts yolo_py writes for the TypeScript stages: camelCase, checked against their schema, atomic."""

import json

import numpy as np
import pytest

from yolo_py.artifacts import write_artifact


def w8a8_summary(convs=3) -> dict:
    """A ptq-w8a8.json as yolo_py.ptq_w8a8_cli builds it: snake_case names, and a numpy scalar (as in an agreement)."""
    return {
        "files": {"w8a8": {"file": "m.onnx", "bytes": 10, "sha256": "a" * 64}},
        "w8a8": {
            "quantizer": "onnxruntime", "calibration_method": "minmax", "calibration_images": 4,
            "weights": "int8", "activations": "uint8", "max_abs_diff": np.float32(0.5),
            "graph": {"conv_quantization": {"convs": convs, "weight_quantized": convs, "activation_quantized": convs}},
        },
    }


def test_an_artifact_is_written_camel_case_and_through_json(tmp_path):
    path = tmp_path / "ptq-w8a8.json"
    write_artifact(path, w8a8_summary(), "ptq_w8a8.schema.json")
    text = path.read_text()
    assert text.endswith("}\n")
    written = json.loads(text)
    assert written["w8a8"]["calibrationMethod"] == "minmax"
    assert written["w8a8"]["graph"]["convQuantization"] == {"convs": 3, "weightQuantized": 3, "activationQuantized": 3}
    assert written["w8a8"]["maxAbsDiff"] == "0.5"  # a numpy scalar is written as its str()
    assert [p.name for p in tmp_path.iterdir()] == ["ptq-w8a8.json"]  # no temporary file left


def test_an_artifact_its_schema_refuses_names_file_and_field_and_is_not_written(tmp_path):
    path = tmp_path / "ptq-w8a8.json"
    with pytest.raises(ValueError, match=r"ptq-w8a8\.json: w8a8\.graph\.convQuantization\.convs: expected minimum 0, got -1"):
        write_artifact(path, w8a8_summary(convs=-1), "ptq_w8a8.schema.json")
    assert list(tmp_path.iterdir()) == []
