"""W4A16 PTQ: the FP16 weights go through the QAT quantizer itself (same integer codes for the same weights),
through an Ultralytics checkpoint into the project's quantized checkpoint, and the SQNR report reads them."""

import os

os.environ.setdefault("YOLO_OFFLINE", "true")
os.environ.setdefault("YOLO_AUTOINSTALL", "false")

import copy
import math

import pytest
import torch
from ultralytics.nn.tasks import DetectionModel

from yolo_py.ptq.sqnr import layer_sqnr, lowest, quantization_report, sqnr_db
from yolo_py.ptq.w4a16 import quantize_trained_weights, write_ptq_checkpoint
from yolo_py.quant import QatSettings, load_quant_checkpoint, quantize_model, quantized_conv_names


@pytest.fixture(scope="module")
def fp16_model() -> DetectionModel:
    torch.manual_seed(0)
    return DetectionModel("yolov10n.yaml", nc=80, verbose=False).eval()


def test_ptq_codes_equal_the_qat_quantizers_codes(fp16_model):
    settings = QatSettings()
    qat = copy.deepcopy(fp16_model)
    quantize_model(qat, settings)
    ptq, report = quantize_trained_weights(fp16_model, settings)
    assert report.quantized_names == quantized_conv_names(qat) and len(report.quantized_names) == 107
    for name in report.quantized_names:
        a, b = qat.get_submodule(name), ptq.get_submodule(name)
        assert type(a.weight_quant.tensor_quant) is type(b.weight_quant.tensor_quant)
        codes = b.quant_weight().int()
        assert torch.equal(a.quant_weight().int(), codes), name
        assert int(codes.abs().max()) <= 7
        assert torch.equal(a.quant_weight().scale, b.quant_weight().scale), name
    # the source model stays float
    assert not any(type(m).__name__ == "QatConv2d" for m in fp16_model.modules())


def test_ptq_codes_are_absmax_per_channel_narrow_int4(fp16_model):
    ptq, report = quantize_trained_weights(fp16_model, QatSettings())
    name = report.quantized_names[5]
    w = fp16_model.get_submodule(name).weight.detach()
    scale = w.abs().amax(dim=(1, 2, 3), keepdim=True) / 7
    expected = torch.clamp(torch.round(w / scale), -7, 7)
    assert torch.equal(ptq.get_submodule(name).quant_weight().int().float(), expected)


def test_other_settings_change_the_codes(fp16_model):
    """The settings reach the quantizer: 3-bit PTQ codes stay within -3..3 and differ from 4-bit ones."""
    four, r = quantize_trained_weights(fp16_model, QatSettings())
    three, _ = quantize_trained_weights(fp16_model, QatSettings(weight_bit_width=3))
    name = r.quantized_names[0]
    assert int(three.get_submodule(name).quant_weight().int().abs().max()) == 3
    assert not torch.equal(four.get_submodule(name).quant_weight().int(), three.get_submodule(name).quant_weight().int())


def test_ptq_checkpoint_round_trip(fp16_model, tmp_path):
    source = tmp_path / "best.pt"
    torch.save({"model": copy.deepcopy(fp16_model).half(), "ema": None}, source)
    out = tmp_path / "ptq.pt"
    report = write_ptq_checkpoint(source, QatSettings(), out)
    model, settings, extra = load_quant_checkpoint(out)
    assert settings == QatSettings() and extra["trained"] is False
    assert quantized_conv_names(model) == report.quantized_names
    # the checkpoint holds the fp16-rounded weights: their codes are those of the half-precision source
    direct, _ = quantize_trained_weights(copy.deepcopy(fp16_model).half().float(), QatSettings())
    for name in report.quantized_names:
        assert torch.equal(model.get_submodule(name).quant_weight().int(), direct.get_submodule(name).quant_weight().int())


def test_sqnr_matches_its_definition_and_ranks_layers(fp16_model):
    ptq, _ = quantize_trained_weights(fp16_model, QatSettings())
    rows = layer_sqnr(ptq)
    assert len(rows) == 107 and all(r.bit_width == 4 for r in rows)
    row = rows[3]
    conv = ptq.get_submodule(row.name)
    w, q = conv.weight.detach().double(), conv.quant_weight().value.detach().double()
    assert row.sqnr_db == pytest.approx(10 * math.log10(float((w**2).sum()) / float(((w - q) ** 2).sum())))
    assert row.parameters == w.numel() and row.weight_shape == list(w.shape)
    # 4-bit AbsMax on Gaussian-like init weights: ~12-20 dB, far below 8-bit's ~35-40 dB
    assert all(5 < r.sqnr_db < 30 for r in rows if r.sqnr_db is not None)
    worst = lowest(rows)
    assert len(worst) == 10 and worst[0].sqnr_db == min(r.sqnr_db for r in rows if r.sqnr_db is not None)
    assert [r.sqnr_db for r in worst] == sorted(r.sqnr_db for r in worst)


def test_sqnr_of_an_exact_quantization_is_none():
    w = torch.tensor([[-7.0, 0.0, 7.0]])
    assert sqnr_db(w, w.clone()) is None
    assert sqnr_db(w, torch.zeros_like(w)) == pytest.approx(0.0)


def test_report_totals(fp16_model):
    ptq, report = quantize_trained_weights(fp16_model, QatSettings())
    totals = quantization_report({"ptq": ptq})["ptq"]["totals"]
    assert totals["quantized_convs"] == 107 and totals["convs"] == 108
    assert totals["quantized_parameters"] == report.params_quantized_weights
    assert totals["parameters"] == report.params_total
    b = totals["bytes"]
    assert b["fp32"] == 2 * b["fp16"] == 4 * report.params_total
    scales = sum(ptq.get_submodule(n).weight.shape[0] for n in report.quantized_names)
    expected = math.ceil(report.params_quantized_weights / 2) + 4 * scales + 4 * report.params_float
    assert b["packed_int4"] == expected


def test_ptq_applies_the_per_layer_widths_and_the_report_counts_them(fp16_model):
    """The QAT settings' `layers` reach the PTQ quantizer (so QAT and PTQ compare at the same widths); the report
    gives each layer's width, the convs and weights per width, and the packed size with 8-bit layers at a byte."""
    settings = QatSettings(layers=[{"pattern": "model.0.conv", "bits": 8}, {"pattern": "model.23.*", "bits": 8}])
    ptq, report = quantize_trained_weights(fp16_model, settings)
    qat = copy.deepcopy(fp16_model)
    quantize_model(qat, settings)
    for name in report.quantized_names:
        assert torch.equal(qat.get_submodule(name).quant_weight().int(), ptq.get_submodule(name).quant_weight().int()), name
    out = quantization_report({"ptq": ptq})["ptq"]
    widths = {r["name"]: r["bit_width"] for r in out["layers"]}
    assert widths["model.0.conv"] == widths["model.23.one2one_cv3.2.2"] == 8 and widths["model.1.conv"] == 4
    eight = [n for n in report.quantized_names if n == "model.0.conv" or n.startswith("model.23.")]
    params = lambda names: sum(ptq.get_submodule(n).weight.numel() for n in names)
    four = [n for n in report.quantized_names if n not in eight]
    assert out["totals"]["bit_widths"] == {"4": {"convs": 58, "parameters": params(four)}, "8": {"convs": 49, "parameters": params(eight)}}
    scales = sum(ptq.get_submodule(n).weight.shape[0] for n in report.quantized_names)
    expected = math.ceil((4 * params(four) + 8 * params(eight)) / 8) + 4 * scales + 4 * report.params_float
    assert out["totals"]["bytes"]["packed_int4"] == expected
