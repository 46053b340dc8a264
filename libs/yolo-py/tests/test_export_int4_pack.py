"""The packed 4-bit ONNX: opset 21, INT4 initializers feeding per-axis DequantizeLinear, the QCDQ file's codes,
and outputs equal to the QCDQ file's when ONNX Runtime runs both."""

import os

os.environ.setdefault("YOLO_OFFLINE", "true")
os.environ.setdefault("YOLO_AUTOINSTALL", "false")

from pathlib import Path

import numpy as np
import onnx
import onnxruntime as ort
import pytest
import torch
from onnx import TensorProto
from ultralytics.nn.tasks import DetectionModel

from yolo_py.export.baseline import export_baseline_onnx
from yolo_py.export.qcdq import export_qcdq_onnx
from yolo_py.export.report import TOLERANCES
from yolo_py.export.compare import compare_detections, fixed_inputs
from onnx import numpy_helper

from yolo_py.export.graph_stats import weight_bit_widths
from yolo_py.export.int4_pack import PACKED_OPSET, int4_tensor, int4_weight_codes, pack_int4, storage_bits, weight_codes
from yolo_py.export.report import onnx_report
from yolo_py.quant import QatSettings, quantize_model

IMGSZ = 64


@pytest.fixture(scope="module")
def files(tmp_path_factory) -> dict[str, Path]:
    d = tmp_path_factory.mktemp("int4")
    torch.manual_seed(0)
    model = DetectionModel("yolov10n.yaml", nc=80, verbose=False).eval()
    export_baseline_onnx(model, d / "fp.onnx", IMGSZ, 18)
    quantize_model(model, QatSettings())
    export_qcdq_onnx(model.eval(), d / "qcdq.onnx", IMGSZ, 18)
    summary = pack_int4(d / "qcdq.onnx", d / "int4.onnx")
    return {"dir": d, "fp": d / "fp.onnx", "qcdq": d / "qcdq.onnx", "int4": d / "int4.onnx", "summary": summary}


def test_packed_codes_equal_the_qcdq_codes(files):
    qcdq, packed = weight_codes(files["qcdq"]), int4_weight_codes(files["int4"])
    assert len(qcdq) == len(packed) == files["summary"]["packed_weights"] > 80
    for name, codes in qcdq.items():
        assert codes.dtype == np.int8
        np.testing.assert_array_equal(packed[name], codes, err_msg=name)
    assert files["summary"]["packed_elements"] == sum(c.size for c in qcdq.values())


def test_packed_file_is_opset_21_int4_per_axis(files):
    proto = onnx.load(str(files["int4"]))
    assert {o.domain or "ai.onnx": o.version for o in proto.opset_import}["ai.onnx"] == PACKED_OPSET
    inits = {t.name: t for t in proto.graph.initializer}
    dqs = [n for n in proto.graph.node if n.op_type == "DequantizeLinear"]
    assert dqs and all(inits[n.input[0]].data_type == TensorProto.INT4 for n in dqs)
    assert all(any(a.name == "axis" and a.i == 0 for a in n.attribute) for n in dqs)
    assert not any(n.op_type == "Clip" and n.input[0] in inits for n in proto.graph.node)
    # 4 bits per quantized weight: the packed weights take half the bytes the int8-held ones take (the file
    # saves a little less: each DequantizeLinear gets its own per-channel int4 zero point)
    saved = os.path.getsize(files["qcdq"]) - os.path.getsize(files["int4"])
    assert saved >= 0.9 * files["summary"]["packed_elements"] / 2
    packed_bytes = sum(len(t.raw_data) for t in inits.values() if t.data_type == TensorProto.INT4 and len(t.dims) == 4)
    assert packed_bytes == sum((c.size + 1) // 2 for c in weight_codes(files["qcdq"]).values())


def test_onnxruntime_runs_it_with_the_qcdq_outputs(files):
    images = fixed_inputs(IMGSZ)
    run = lambda f: ort.InferenceSession(str(f), providers=["CPUExecutionProvider"]).run(None, {"images": images})[0]
    qcdq, packed = run(files["qcdq"]), run(files["int4"])
    agreement = compare_detections(qcdq, packed, TOLERANCES["qcdq"])
    assert agreement["within_tolerance"], agreement
    np.testing.assert_array_equal(qcdq, packed)  # the same dequantized weights: bit-identical here


@pytest.mark.parametrize("shape", [(7,), (2, 3, 3), (4, 1, 1, 1)])
def test_int4_tensor_round_trips_through_onnx_unpacking(shape):
    codes = np.random.default_rng(1).integers(-8, 8, size=shape).astype(np.int8)
    tensor = int4_tensor("w", codes)
    assert len(tensor.raw_data) == (codes.size + 1) // 2 and not tensor.int32_data
    np.testing.assert_array_equal(numpy_helper.to_array(tensor).astype(np.int8), codes)


def test_int4_tensor_refuses_out_of_range_codes():
    with pytest.raises(ValueError, match="initializer 'w': codes outside -8..7"):
        int4_tensor("w", np.array([8], dtype=np.int8))


def test_a_float_file_is_refused(files):
    with pytest.raises(ValueError, match="no int8 -> Clip -> DequantizeLinear"):
        pack_int4(files["fp"], files["dir"] / "never.onnx")
    assert not (files["dir"] / "never.onnx").exists()


# Per-layer bit widths: the first conv and the detection head at 8 bits, one conv at 3, the rest at 4.
MIXED_LAYERS = [{"pattern": "model.0.conv", "bits": 8}, {"pattern": "model.23.*", "bits": 8}, {"pattern": "model.2.cv1.conv", "bits": 3}]


def layer_of(dq_name: str) -> str:
    """The torch module a weight's DequantizeLinear belongs to, from the exporter's scope path:
    '/model.2/m.0/cv1/conv/weight_quant/...' -> 'model.2.m.0.cv1.conv'; a Sequential's scope repeats its name
    ('/model.10/ffn/ffn.0/conv' -> 'model.10.ffn.0.conv')."""
    scopes = dq_name.split("/weight_quant/")[0].strip("/").split("/")
    kept = [s for s, after in zip(scopes, [*scopes[1:], ""]) if not after.startswith(f"{s}.")]
    return ".".join(kept)


@pytest.fixture(scope="module", params=[True, False], ids=["narrow", "wide"])
def mixed(request, tmp_path_factory) -> dict:
    """QCDQ and packed files of a YOLOv10n quantized with MIXED_LAYERS (narrow range, and wide: an 8-bit wide
    weight has no Clip in Brevitas' QCDQ)."""
    d = tmp_path_factory.mktemp("mixed")
    torch.manual_seed(0)
    model = DetectionModel("yolov10n.yaml", nc=80, verbose=False).eval()
    report = quantize_model(model, QatSettings(narrow_range=request.param, layers=MIXED_LAYERS))
    export_qcdq_onnx(model.eval(), d / "qcdq.onnx", IMGSZ, 18)
    summary = pack_int4(d / "qcdq.onnx", d / "int4.onnx")
    widths = dict(zip(report.quantized_names, report.quantized_bit_widths))
    return {"model": model, "widths": widths, "narrow": request.param, "qcdq": d / "qcdq.onnx", "int4": d / "int4.onnx", "summary": summary}


def test_the_qcdq_graph_carries_each_layers_bit_width(mixed):
    exported = weight_bit_widths(onnx.load(str(mixed["qcdq"])))
    # Every exported weight at its layer's width (the one-to-many head is not exported, so some layers are absent).
    by_layer = {layer_of(name): bits for name, bits in exported.items()}
    assert len(by_layer) == len(exported) == 83 and by_layer.keys() <= mixed["widths"].keys()
    assert by_layer == {n: mixed["widths"][n] for n in by_layer}
    assert sorted(set(exported.values())) == [3, 4, 8] and layer_of(next(iter(exported))) == "model.0.conv"
    assert exported[next(iter(exported))] == 8
    report = onnx_report(mixed["qcdq"], mixed["model"], IMGSZ)  # export.json's facts, torch-vs-ORT agreement included
    assert report["weight_bits"] == {"3": 1, "4": 57, "8": 25} and report["int_weights"]
    assert report["torch_vs_ort"]["within_tolerance"], report["torch_vs_ort"]


def test_packed_mixed_file_holds_the_qcdq_codes_int4_up_to_4_bits_int8_above(mixed):
    qcdq, packed = weight_codes(mixed["qcdq"]), weight_codes(mixed["int4"])
    assert packed.keys() == qcdq.keys()
    for name, codes in qcdq.items():
        np.testing.assert_array_equal(packed[name], codes, err_msg=name)
    proto = onnx.load(str(mixed["int4"]))
    inits = {t.name: t for t in proto.graph.initializer}
    producer = {out: node for node in proto.graph.node for out in node.output}
    widths = weight_bit_widths(onnx.load(str(mixed["qcdq"])))
    for node in proto.graph.node:
        if node.name not in widths:
            continue
        source = producer[node.input[0]].input[0] if node.input[0] in producer else node.input[0]
        stored = inits[source].data_type
        assert stored == (TensorProto.INT4 if storage_bits(widths[node.name]) == 4 else TensorProto.INT8), node.name
        assert (node.input[0] in producer) == (widths[node.name] == 8 and mixed["narrow"]), node.name  # an int8 weight keeps its Clip
    # The packed file stores a 3-bit layer in INT4 without its (no-op) Clip, so it reads as 4 bits; the QCDQ file has 3.
    assert weight_bit_widths(proto) == {name: max(bits, 4) for name, bits in widths.items()}
    s = mixed["summary"]
    assert (s["packed_weights"], s["int8_weights"]) == (58, 25)
    assert s["packed_elements"] + s["int8_elements"] == sum(c.size for c in qcdq.values())
    images = fixed_inputs(IMGSZ)
    run = lambda f: ort.InferenceSession(str(f), providers=["CPUExecutionProvider"]).run(None, {"images": images})[0]
    np.testing.assert_array_equal(run(mixed["qcdq"]), run(mixed["int4"]))


def test_storage_bits_follow_the_int4_range():
    assert [storage_bits(b) for b in range(2, 9)] == [4, 4, 4, 8, 8, 8, 8]
