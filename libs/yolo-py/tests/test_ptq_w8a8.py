"""W8A8 static PTQ: Q/DQ around every Conv of the FP16 export, int8 per-channel weights, calibration-method
selection, the calibration tensor file, and ONNX Runtime running the result close to the float file."""

import os

os.environ.setdefault("YOLO_OFFLINE", "true")
os.environ.setdefault("YOLO_AUTOINSTALL", "false")

import json
from pathlib import Path

import numpy as np
import onnx
import onnxruntime as ort
import pytest
import torch
from onnx import TensorProto
from ultralytics.nn.tasks import DetectionModel

from yolo_py.export.baseline import export_baseline_onnx
from yolo_py.image_set import read_image_set
from yolo_py.ptq.w8a8 import quantize_w8a8

IMGSZ = 64


@pytest.fixture(scope="module")
def fp_onnx(tmp_path_factory) -> Path:
    torch.manual_seed(0)
    path = tmp_path_factory.mktemp("w8a8") / "fp.onnx"
    export_baseline_onnx(DetectionModel("yolov10n.yaml", nc=80, verbose=False).eval(), path, IMGSZ, 18)
    return path


def calibration(n: int = 4) -> np.ndarray:
    return np.random.default_rng(0).random((n, 3, IMGSZ, IMGSZ), dtype=np.float32)


@pytest.fixture(scope="module")
def w8a8(fp_onnx) -> Path:
    out = fp_onnx.with_name("w8a8-minmax.onnx")
    quantize_w8a8(fp_onnx, out, calibration(), "minmax")
    return out


def test_every_conv_has_dequantized_int8_input_and_weight(fp_onnx, w8a8):
    proto = onnx.load(str(w8a8))
    inits = {t.name: t for t in proto.graph.initializer}
    producer = {o: n for n in proto.graph.node for o in n.output}
    convs = [n for n in proto.graph.node if n.op_type == "Conv"]
    assert len(convs) == sum(n.op_type == "Conv" for n in onnx.load(str(fp_onnx)).graph.node) > 80
    for conv in convs:
        x, w = producer[conv.input[0]], producer[conv.input[1]]
        assert x.op_type == "DequantizeLinear" and producer[x.input[0]].op_type == "QuantizeLinear", conv.name
        assert w.op_type == "DequantizeLinear", conv.name
        weight = inits[w.input[0]]
        assert weight.data_type == TensorProto.INT8, conv.name
        scale = inits[w.input[1]]
        assert list(scale.dims) == [weight.dims[0]], conv.name  # per output channel


def test_it_runs_close_to_the_float_file(fp_onnx, w8a8):
    images = calibration(2)
    run = lambda f: ort.InferenceSession(str(f), providers=["CPUExecutionProvider"]).run(None, {"images": images})[0]
    ref, out = run(fp_onnx), run(w8a8)
    assert out.shape == ref.shape
    assert not np.array_equal(ref, out)  # really quantized
    assert np.abs(out[..., 4] - ref[..., 4]).max() < 0.2


def test_the_method_is_selectable_and_changes_the_ranges(fp_onnx):
    """One bright outlier pixel: minmax stretches the input range to it, entropy (KL, 2048 bins) clips it."""
    images = calibration()
    images[0, 0, 0, 0] = 50.0
    scale = {}
    for method in ("minmax", "entropy", "percentile"):
        out = fp_onnx.with_name(f"w8a8-outlier-{method}.onnx")
        assert quantize_w8a8(fp_onnx, out, images, method)["calibration_method"] == method
        inits = {t.name: t for t in onnx.load(str(out)).graph.initializer}
        scale[method] = float(onnx.numpy_helper.to_array(inits["images_scale"]))
    assert scale["minmax"] == pytest.approx(50.0 / 255)
    assert scale["entropy"] < scale["minmax"] / 5
    assert scale["percentile"] < scale["minmax"]


def test_bad_method_and_images_are_refused(fp_onnx, tmp_path):
    with pytest.raises(ValueError, match=r"calibration method must be one of \['minmax', 'entropy', 'percentile'\], got 'max'"):
        quantize_w8a8(fp_onnx, tmp_path / "x.onnx", calibration(), "max")
    with pytest.raises(ValueError, match="non-empty float32"):
        quantize_w8a8(fp_onnx, tmp_path / "x.onnx", calibration().astype(np.float64), "minmax")
    assert not (tmp_path / "x.onnx").exists()


def test_calibration_tensor_file(tmp_path):
    images = calibration(3)
    images.astype("<f4").tofile(tmp_path / "cal.f32")
    (tmp_path / "cal.json").write_text(json.dumps({"shape": [3, 3, IMGSZ, IMGSZ]}))
    np.testing.assert_array_equal(read_image_set(tmp_path / "cal.f32", tmp_path / "cal.json"), images)
    (tmp_path / "cal.json").write_text(json.dumps({"shape": [4, 3, IMGSZ, IMGSZ]}))
    with pytest.raises(ValueError, match=r"cal.f32: holds 36864 float32 values, .*cal.json says shape \[4, 3, 64, 64\]"):
        read_image_set(tmp_path / "cal.f32", tmp_path / "cal.json")
    (tmp_path / "cal.json").write_text(json.dumps({"shape": [3, 64, 64]}))
    with pytest.raises(ValueError, match="'shape' must be"):
        read_image_set(tmp_path / "cal.f32", tmp_path / "cal.json")
