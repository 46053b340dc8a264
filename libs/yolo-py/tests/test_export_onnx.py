"""Both ONNX exports of YOLOv10n: one I/O contract, QCDQ structure, torch-vs-ORT agreement, BN folding of
quantized convs, and parity of the baseline with Ultralytics' own Exporter; the same for the one-to-many head's files
(raw output for NMS), which the export stage writes beside the one-to-one ones."""

import os

os.environ.setdefault("YOLO_OFFLINE", "true")
os.environ.setdefault("YOLO_AUTOINSTALL", "false")

import copy
import shutil
import subprocess
import tempfile
from pathlib import Path

import numpy as np
import onnx
import onnxruntime as ort
import pytest
import torch
from brevitas.nn import QuantConv2d
from onnx import numpy_helper
from torch import nn
from ultralytics.nn.tasks import DetectionModel

from yolo_py.export.baseline import export_baseline_onnx
from yolo_py.export.prepare import prepare_for_export
from yolo_py.export.qcdq import export_qcdq_onnx
from yolo_py.export.report import TOLERANCES, onnx_report
from yolo_py.export.compare import compare_detections, compare_raw_outputs, fixed_inputs
from yolo_py.export.heads import ONE2MANY_NMS
from yolo_py.quant import QatSettings, quantize_model

IMGSZ = 160
OPSET = 18
ANCHORS = (IMGSZ // 8) ** 2 + (IMGSZ // 16) ** 2 + (IMGSZ // 32) ** 2  # 525 at 160 px


def informative_model(quantize: bool) -> DetectionModel:
    """A YOLOv10n whose outputs depend on the input, so output comparisons mean something.

    A freshly initialised YOLO scores every anchor alike (its features vanish with depth), which makes any
    top-k comparison a comparison of ties. Here BN statistics are set from the fixed test images and the
    class logits are spread around -3, as after some training. Quantizing first keeps the statistics
    true for the quantized weights.
    """
    torch.manual_seed(0)
    model = DetectionModel("yolov10n.yaml", nc=80, verbose=False)
    if quantize:
        quantize_model(model, QatSettings())
    bns = [m for m in model.modules() if isinstance(m, nn.BatchNorm2d)]
    for bn in bns:
        bn.reset_running_stats()
        bn.momentum = None  # cumulative average: one batch sets the statistics exactly
    head = model.model[-1]
    cls_convs = [branch[-1] for branch in (*head.cv3, *head.one2one_cv3)]
    spread: dict[nn.Module, float] = {}
    hooks = [
        c.register_forward_hook(lambda m, _, out: spread.__setitem__(m, (out - m.bias.view(1, -1, 1, 1)).std().item()))
        for c in cls_convs
    ]
    model.train()
    with torch.no_grad():
        model(torch.from_numpy(fixed_inputs(IMGSZ)))
    for hook in hooks:
        hook.remove()
    with torch.no_grad():
        for c in cls_convs:
            c.weight.mul_(1.5 / spread[c])
            c.bias.fill_(-3.0)
    for bn in bns:
        bn.momentum = 0.03
    return model.eval()


@pytest.fixture(scope="module")
def workdir():
    with tempfile.TemporaryDirectory(prefix="yolo-py-export-") as d:
        yield Path(d)


@pytest.fixture(scope="module")
def float_model() -> DetectionModel:
    return informative_model(quantize=False)


@pytest.fixture(scope="module")
def quant_model() -> DetectionModel:
    return informative_model(quantize=True)


@pytest.fixture(scope="module")
def baseline(workdir, float_model) -> tuple[dict, dict]:
    summary = export_baseline_onnx(float_model, workdir / "baseline.onnx", IMGSZ, OPSET)
    return summary, onnx_report(summary["path"], float_model, IMGSZ)


@pytest.fixture(scope="module")
def qcdq(workdir, quant_model) -> tuple[dict, dict]:
    summary = export_qcdq_onnx(quant_model, workdir / "qcdq.onnx", IMGSZ, OPSET)
    return summary, onnx_report(summary["path"], quant_model, IMGSZ)


@pytest.fixture(scope="module")
def baseline_one2many(workdir, float_model) -> tuple[dict, dict]:
    summary = export_baseline_onnx(float_model, workdir / "baseline-one2many.onnx", IMGSZ, OPSET, ONE2MANY_NMS)
    return summary, onnx_report(summary["path"], float_model, IMGSZ, ONE2MANY_NMS)


@pytest.fixture(scope="module")
def qcdq_one2many(workdir, quant_model) -> tuple[dict, dict]:
    summary = export_qcdq_onnx(quant_model, workdir / "qcdq-one2many.onnx", IMGSZ, OPSET, ONE2MANY_NMS)
    return summary, onnx_report(summary["path"], quant_model, IMGSZ, ONE2MANY_NMS)


def test_both_files_share_one_io_contract(baseline, qcdq):
    for summary, report in (baseline, qcdq):
        assert report["opset"] == summary["opset"] == OPSET
        assert report["inputs"] == [{"name": "images", "dtype": "float", "shape": ["batch", 3, IMGSZ, IMGSZ]}]
        assert report["outputs"] == [{"name": "output0", "dtype": "float", "shape": ["batch", 300, 6]}]
        assert len(report["sha256"]) == 64 and report["file_bytes"] == Path(summary["path"]).stat().st_size


@pytest.mark.parametrize("graph, fixture", [("float", "baseline"), ("qcdq", "qcdq")])
def test_onnx_runtime_runs_batches_of_1_and_2(graph, fixture, request):
    summary, _ = request.getfixturevalue(fixture)
    session = ort.InferenceSession(summary["path"], providers=["CPUExecutionProvider"])
    images = fixed_inputs(IMGSZ)
    single = session.run(None, {"images": images[:1]})[0]
    pair = session.run(None, {"images": images})[0]
    assert single.shape == (1, 300, 6) and pair.shape == (2, 300, 6)
    assert compare_detections(single, pair[:1], TOLERANCES[graph])["within_tolerance"]


def test_qcdq_stores_int_weights_behind_one_dequantize_per_quantized_conv(baseline, qcdq):
    q_summary, q = qcdq
    _, b = baseline
    # 107 quantized convs in training; fusing drops the 24 convs of the one-to-many head.
    assert q_summary["quantized_convs"] == q["quantized_convs_torch"] == 83
    assert q["node_counts"]["DequantizeLinear"] == q["node_counts"]["Clip"] == 83
    assert q["node_counts"]["QuantizeLinear"] == 0
    assert q["dequantize_input_types"] == {"int8": 83} and q["int_weights"]
    assert b["node_counts"]["DequantizeLinear"] == b["node_counts"]["Clip"] == 0 and not b["int_weights"]
    assert q["node_counts"]["Conv"] == 83 + 1  # quantized convs + the float DFL conv
    # The baseline merges YOLOv10n's one RepVGGDW (7x7 + 3x3 depthwise, 256 channels) into one conv; the
    # QAT export keeps both branches, since rounding a merged kernel would change the trained codes.
    assert b["node_counts"]["Conv"] == q["node_counts"]["Conv"] - 1
    assert b["parameters"]["conv_params"] == b["parameters"]["torch_params"] == 2_299_264
    assert q["parameters"]["conv_params"] == q["parameters"]["torch_params"] == 2_299_264 + 256 * 3 * 3 + 256
    assert q["file_bytes"] < b["file_bytes"] / 3


def test_weight_codes_in_the_file_are_the_4bit_codes_torch_uses(qcdq, quant_model):
    summary, _ = qcdq
    proto = onnx.load(summary["path"])
    inits = {i.name: numpy_helper.to_array(i) for i in proto.graph.initializer}
    producers = {o: n for n in proto.graph.node for o in n.output}
    first_dq = next(n for n in proto.graph.node if n.op_type == "DequantizeLinear")
    codes = inits[producers[first_dq.input[0]].input[0]]  # int8 initializer -> Clip -> DQ
    scale = inits[first_dq.input[1]]
    prepared = prepare_for_export(quant_model, IMGSZ)
    torch_q = prepared.model[0].conv.quant_weight()
    assert codes.dtype == np.int8 and np.abs(codes).max() == 7
    assert np.array_equal(codes, torch_q.int().numpy())
    np.testing.assert_array_equal(scale, torch_q.scale.flatten().numpy())


@pytest.mark.parametrize("graph, fixture", [("float", "baseline"), ("qcdq", "qcdq")])
def test_torch_and_onnx_runtime_agree_within_tolerance(graph, fixture, request):
    _, report = request.getfixturevalue(fixture)
    assert report["graph"] == graph
    agreement = report["torch_vs_ort"]
    assert agreement["tolerance"] == TOLERANCES[graph].to_dict()
    assert agreement["within_tolerance"], agreement
    assert agreement["rows_matched"] >= 0.9 * agreement["rows_compared"] == 0.9 * 1200


def test_a_one_percent_scale_error_in_the_file_is_caught(qcdq, quant_model, workdir):
    summary, _ = qcdq
    proto = onnx.load(summary["path"])
    scale_names = {n.input[1] for n in proto.graph.node if n.op_type == "DequantizeLinear"}
    for init in proto.graph.initializer:
        if init.name in scale_names:
            init.CopyFrom(numpy_helper.from_array(numpy_helper.to_array(init) * np.float32(1.01), init.name))
    broken = workdir / "broken.onnx"
    onnx.save(proto, str(broken))
    assert not onnx_report(broken, quant_model, IMGSZ)["torch_vs_ort"]["within_tolerance"]


def test_bn_folds_into_quantized_convs_without_moving_their_codes(quant_model):
    """The fused export model carries exactly the trained integer codes (sign-flipped where gamma < 0) and
    computes what the unfused QAT model computes."""
    prepared = prepare_for_export(quant_model, IMGSZ)
    checked = 0
    for name, fused in prepared.named_modules():
        if not isinstance(fused, QuantConv2d):
            continue
        wrapper = quant_model.get_submodule(name.rpartition(".")[0])
        sign = torch.sign(wrapper.bn.weight.detach()) if hasattr(wrapper, "bn") else torch.ones(fused.out_channels)
        before = quant_model.get_submodule(name).quant_weight().int()
        assert torch.equal(fused.quant_weight().int(), before * sign.view(-1, 1, 1, 1).to(torch.int8)), name
        checked += 1
    assert checked == 83
    quant_model.end2end = True  # the unfused model's end-to-end output, for comparison
    try:
        with torch.no_grad():
            images = torch.from_numpy(fixed_inputs(IMGSZ))
            expected = quant_model(images)[0].numpy()
            actual = prepared(images).numpy()
    finally:
        quant_model.end2end = False
    assert compare_detections(expected, actual, TOLERANCES["qcdq"])["within_tolerance"]


def test_merging_repvggdw_branches_is_exact_only_in_float(quant_model):
    """Why quantized RepVGGDW blocks stay unmerged: Ultralytics' fuse() sums the BN-folded 7x7 and padded 3x3
    kernels. In float that is exact; quantizing the summed kernel is not what the two quantized branches did."""
    from ultralytics.nn.modules.block import RepVGGDW

    x = torch.randn(1, 256, 10, 10, generator=torch.Generator().manual_seed(0))

    def merge_error(block: RepVGGDW) -> float:
        block = copy.deepcopy(block).eval()
        with torch.no_grad():
            before = block(x)
            block.fuse()
            after = block.forward_fuse(x)
        return float((after - before).abs().max() / before.abs().max())

    quantized = next(m for m in quant_model.modules() if isinstance(m, RepVGGDW))
    as_float = copy.deepcopy(quantized)
    for m in as_float.modules():
        if isinstance(m, QuantConv2d):
            m.weight_quant.disable_quant = True
    assert merge_error(as_float) < 1e-5
    assert merge_error(quantized) > 1e-2


def test_baseline_matches_ultralytics_exporter_without_auto_installs(baseline, float_model, workdir, monkeypatch):
    """Ultralytics' Exporter (nms=False: end-to-end head) on the same model gives the same ORT outputs.

    simplify=True asks for onnxslim, which is not installed: with YOLO_AUTOINSTALL=false Ultralytics must
    neither pip-install it (no subprocess at all) nor fail, only skip the simplification.
    """
    from ultralytics.engine.exporter import Exporter

    def no_subprocess(*args, **kwargs):
        raise AssertionError(f"Ultralytics started a subprocess: {args}")

    monkeypatch.setattr(subprocess, "check_output", no_subprocess)
    monkeypatch.setattr(subprocess, "run", no_subprocess)
    model = float_model
    model.task = "detect"
    model.pt_path = str(workdir / "ultralytics" / "model.pt")  # the Exporter names its file after this
    (workdir / "ultralytics").mkdir(exist_ok=True)
    overrides = {"format": "onnx", "imgsz": IMGSZ, "nms": False, "dynamic": False, "simplify": True}
    exported = Exporter(overrides={**overrides, "opset": OPSET, "batch": 1, "device": "cpu"})(model=model)
    assert shutil.which("onnxslim") is None and Path(exported).is_file()
    images = fixed_inputs(IMGSZ)
    summary, _ = baseline
    theirs, ours = (
        ort.InferenceSession(str(f), providers=["CPUExecutionProvider"]).run(None, {"images": images[:1]})[0]
        for f in (exported, summary["path"])
    )
    np.testing.assert_array_equal(ours, theirs)


def test_bad_arguments_are_refused(float_model, quant_model, workdir):
    with pytest.raises(ValueError, match="opset must be between 13 and 20"):
        export_baseline_onnx(float_model, workdir / "x.onnx", IMGSZ, 12)
    with pytest.raises(ValueError, match="opset must be an int"):
        export_qcdq_onnx(quant_model, workdir / "x.onnx", IMGSZ, True)
    with pytest.raises(ValueError, match="export_qcdq_onnx"):
        export_baseline_onnx(quant_model, workdir / "x.onnx", IMGSZ, OPSET)
    with pytest.raises(ValueError, match="quantize_model"):
        export_qcdq_onnx(float_model, workdir / "x.onnx", IMGSZ, OPSET)
    with pytest.raises(ValueError, match="multiple of the model stride 32"):
        export_baseline_onnx(float_model, workdir / "x.onnx", 100, OPSET)
    assert not (workdir / "x.onnx").exists()


def metadata(path: str) -> dict[str, str]:
    return {p.key: p.value for p in onnx.load(path).metadata_props}


def test_one_to_many_files_output_the_raw_head_for_nms(baseline_one2many, qcdq_one2many, baseline):
    """[batch, 4 + nc, anchors]: cx cy w h in input pixels, then 80 sigmoid scores, per anchor; metadata says so."""
    for summary, report in (baseline_one2many, qcdq_one2many):
        assert summary["head"] == report["head"] == ONE2MANY_NMS
        assert report["inputs"] == [{"name": "images", "dtype": "float", "shape": ["batch", 3, IMGSZ, IMGSZ]}]
        assert report["outputs"] == [{"name": "output0", "dtype": "float", "shape": ["batch", 84, ANCHORS]}]
        meta = metadata(summary["path"])
        assert meta["end2end"] == "False" and meta["head"] == ONE2MANY_NMS and "needs NMS" in meta["output_format"]
        session = ort.InferenceSession(summary["path"], providers=["CPUExecutionProvider"])
        out = session.run(None, {"images": fixed_inputs(IMGSZ)})[0]
        assert out.shape == (2, 84, ANCHORS)
        assert 0 <= out[:, 4:].min() and out[:, 4:].max() <= 1  # class scores after the sigmoid
        assert (out[:, 2:4] > 0).all()  # widths and heights
    assert metadata(baseline[0]["path"])["end2end"] == "True" and baseline[0]["head"] == "one2one"


@pytest.mark.parametrize("graph, fixture", [("float", "baseline_one2many"), ("qcdq", "qcdq_one2many")])
def test_one_to_many_torch_and_onnx_runtime_agree_value_by_value(graph, fixture, request):
    _, report = request.getfixturevalue(fixture)
    agreement = report["torch_vs_ort"]
    assert report["graph"] == graph and agreement["tolerance"] == TOLERANCES[graph].to_dict()
    assert agreement["within_tolerance"], agreement
    assert agreement["values_compared"] == 2 * 84 * ANCHORS


def test_one_to_many_qcdq_quantizes_as_many_convs_as_the_one_to_one_file(qcdq, qcdq_one2many):
    """v10Detect's two branches have the same structure: fusing drops the other one, so each file keeps 83 quantized convs."""
    for summary, report in (qcdq, qcdq_one2many):
        assert summary["quantized_convs"] == report["quantized_convs_torch"] == 83
        assert report["node_counts"]["DequantizeLinear"] == 83 and report["int_weights"]


def test_one_to_many_raw_outputs_are_compared_per_value():
    rng = np.random.default_rng(0)
    out = np.concatenate([rng.uniform(0, 160, (1, 4, 50)), rng.uniform(0, 1, (1, 80, 50))], axis=1).astype(np.float32)
    assert compare_raw_outputs(out, out.copy(), TOLERANCES["float"])["within_tolerance"]
    moved = out.copy()
    moved[0, 0, 7] += 0.2  # one box coordinate 0.2 px off
    result = compare_raw_outputs(out, moved, TOLERANCES["float"])
    assert not result["within_tolerance"] and result["values_failed"] == 1
    with pytest.raises(ValueError, match="4 \\+ nc, anchors"):
        compare_raw_outputs(out, out[:, :, :10], TOLERANCES["float"])


def test_one_to_many_baseline_matches_ultralytics_exporter(baseline_one2many, float_model, workdir, monkeypatch):
    """Ultralytics' Exporter with nms unset (its default: the one-to-many head, NMS left to the caller) writes a file
    whose ONNX Runtime output equals ours."""
    from ultralytics.engine.exporter import Exporter

    model = float_model
    model.task = "detect"
    model.pt_path = str(workdir / "ultralytics-one2many" / "model.pt")
    (workdir / "ultralytics-one2many").mkdir(exist_ok=True)
    overrides = {"format": "onnx", "imgsz": IMGSZ, "dynamic": False, "simplify": False, "opset": OPSET, "batch": 1, "device": "cpu"}
    exported = Exporter(overrides=overrides)(model=model)
    images = fixed_inputs(IMGSZ)
    summary, _ = baseline_one2many
    theirs, ours = (
        ort.InferenceSession(str(f), providers=["CPUExecutionProvider"]).run(None, {"images": images[:1]})[0]
        for f in (exported, summary["path"])
    )
    assert theirs.shape == (1, 84, ANCHORS)
    np.testing.assert_array_equal(ours, theirs)
