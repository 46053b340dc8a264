"""quantize_model on a real YOLOv10n: which convs change, that only the weight rounding changes, and the
Brevitas/torch behaviours (pickling) that force the data-only checkpoint format."""

import os

os.environ.setdefault("YOLO_OFFLINE", "true")
os.environ.setdefault("YOLO_AUTOINSTALL", "false")

import copy
import io
import pickle

import pytest
import torch
from brevitas.nn import QuantConv2d
from torch import nn
from ultralytics.nn.modules import Conv
from ultralytics.nn.tasks import DetectionModel

from yolo_py.quant import QatSettings, quantize_model, quantized_conv_names


def fresh_model() -> DetectionModel:
    torch.manual_seed(0)
    return DetectionModel("yolov10n.yaml", nc=80, verbose=False)


@pytest.fixture(scope="module")
def pair() -> tuple[DetectionModel, DetectionModel, object]:
    """A float model and its quantized copy (default settings), plus the report."""
    float_model = fresh_model()
    quant_model = copy.deepcopy(float_model)
    report = quantize_model(quant_model, QatSettings())
    return float_model, quant_model, report


def reference_fake_quant(w: torch.Tensor, bits: int, per_channel: bool, narrow: bool) -> torch.Tensor:
    """Independent oracle: symmetric AbsMax scale, round half to even, clamp to the signed range."""
    qmax = 2 ** (bits - 1) - 1
    amax = w.abs().amax(dim=(1, 2, 3), keepdim=True) if per_channel else w.abs().max()
    scale = amax / (qmax if narrow else qmax + 1)
    qmin = -qmax if narrow else -qmax - 1
    return torch.clamp(torch.round(w / scale), qmin, qmax) * scale


def test_every_conv_but_dfl_is_quantized(pair):
    float_model, quant_model, report = pair
    names = [n for n, m in float_model.named_modules() if isinstance(m, nn.Conv2d)]
    assert report.quantized_convs == len(names) - 1 == 107
    assert report.float_conv_names == ["model.23.dfl.conv"]
    assert report.quantized_names == [n for n in names if n != "model.23.dfl.conv"]
    assert quantized_conv_names(quant_model) == report.quantized_names
    dfl = quant_model.get_submodule("model.23.dfl.conv")
    assert type(dfl) is nn.Conv2d and not dfl.weight.requires_grad
    assert torch.equal(dfl.weight.flatten(), torch.arange(16, dtype=torch.float32))
    assert report.params_total == sum(p.numel() for p in float_model.parameters())
    assert report.params_total == report.params_quantized_weights + report.params_float


def test_ultralytics_conv_wrappers_keep_conv_bn_act(pair):
    _, quant_model, _ = pair
    wrappers = [m for m in quant_model.modules() if isinstance(m, Conv)]
    assert wrappers
    for m in wrappers:
        assert isinstance(m.conv, QuantConv2d)
        assert isinstance(m.bn, nn.BatchNorm2d)


def test_float_tensors_are_copied_exactly(pair):
    float_model, quant_model, _ = pair
    f_state, q_state = float_model.state_dict(), quant_model.state_dict()
    assert f_state.keys() == q_state.keys()  # no Brevitas state for AbsMax statistics scaling
    assert all(torch.equal(f_state[k], q_state[k]) for k in f_state)


def test_weights_are_rounded_to_4bit_narrow_per_channel_codes(pair):
    float_model, quant_model, _ = pair
    for name in ("model.0.conv", "model.10.attn.qkv.conv", "model.23.one2one_cv3.2.2"):
        qconv = quant_model.get_submodule(name)
        fake = qconv.quant_weight()
        codes = fake.int()
        assert codes.abs().max() == 7 and codes.dtype == torch.int8
        assert fake.scale.shape == (qconv.out_channels, 1, 1, 1)
        expected = reference_fake_quant(float_model.get_submodule(name).weight.detach(), 4, True, True)
        torch.testing.assert_close(fake.value.detach(), expected, rtol=0, atol=1e-7)


@pytest.mark.parametrize(("bits", "per_channel", "narrow"), [(3, True, True), (4, False, True), (8, True, False)])
def test_settings_change_the_quantizer(bits, per_channel, narrow):
    conv_model = nn.Sequential(nn.Conv2d(4, 6, 3))
    weight = conv_model[0].weight.detach().clone()
    settings = QatSettings(weight_bit_width=bits, per_channel=per_channel, narrow_range=narrow, keep_float=[])
    quantize_model(conv_model, settings)
    fake = conv_model[0].quant_weight()
    assert fake.scale.numel() == (6 if per_channel else 1)
    expected = reference_fake_quant(weight, bits, per_channel, narrow)
    torch.testing.assert_close(fake.value.detach(), expected, rtol=0, atol=1e-7)


def test_per_layer_widths_give_each_layer_its_own_quantizer():
    """First conv and head at 8 bits, one conv at 3: each layer's Brevitas quantizer has its width, and its
    fake-quantized weight is the oracle's at that width; the report lists the widths."""
    float_model = fresh_model()
    model = copy.deepcopy(float_model)
    layers = [{"pattern": "model.0.conv", "bits": 8}, {"pattern": "model.23.*", "bits": 8}, {"pattern": "model.2.cv1.conv", "bits": 3}]
    report = quantize_model(model, QatSettings(layers=layers))
    expected = {n: 8 if n == "model.0.conv" or n.startswith("model.23.") else 3 if n == "model.2.cv1.conv" else 4 for n in report.quantized_names}
    assert dict(zip(report.quantized_names, report.quantized_bit_widths)) == expected
    assert report.float_conv_names == ["model.23.dfl.conv"] and report.quantized_convs == 107
    assert report.bit_width_summary() == "W3: 1, W4: 57, W8: 49"  # the 48 head convs and the first conv at 8
    for name, bits in expected.items():
        fake = model.get_submodule(name).quant_weight()
        assert int(fake.bit_width) == bits, name
        oracle = reference_fake_quant(float_model.get_submodule(name).weight.detach(), bits, True, True)
        torch.testing.assert_close(fake.value.detach(), oracle, rtol=0, atol=1e-7)


def test_outputs_follow_the_quantized_weights(pair):
    """With quantization switched off the quantized copy computes the float model exactly; switched on, the
    weight rounding moves the features (a fresh model's head outputs hardly react to its vanishing features)."""
    float_model, quant_model, _ = pair
    x = torch.rand(1, 3, 128, 128, generator=torch.Generator().manual_seed(0))
    float_model.eval(), quant_model.eval()
    with torch.no_grad():
        f = float_model(x)[1]["one2one"]["feats"][0]
        q = quant_model(x)[1]["one2one"]["feats"][0]
        for m in quant_model.modules():
            if isinstance(m, QuantConv2d):
                m.weight_quant.disable_quant = True  # Brevitas switch: pass the float weight through
        try:
            unquantized = quant_model(x)[1]["one2one"]["feats"][0]
        finally:
            for m in quant_model.modules():
                if isinstance(m, QuantConv2d):
                    m.weight_quant.disable_quant = False
    assert torch.equal(unquantized, f)
    assert (q - f).abs().max() > 0.01 * f.abs().max()


def test_second_pass_and_unmatched_patterns_are_errors(pair):
    _, quant_model, _ = pair
    with pytest.raises(ValueError, match="already quantized"):
        quantize_model(quant_model, QatSettings())
    with pytest.raises(ValueError, match="'model.99.conv' matches no Conv2d"):
        quantize_model(fresh_model(), QatSettings(keep_float=["*.dfl.conv", "model.99.conv"]))


def test_keep_float_patterns_select_by_module_name():
    model = fresh_model()
    report = quantize_model(model, QatSettings(keep_float=["*.dfl.conv", "model.0.*"]))
    assert report.float_conv_names == ["model.0.conv", "model.23.dfl.conv"]
    assert type(model.get_submodule("model.0.conv")) is nn.Conv2d


def test_brevitas_models_do_not_pickle_but_deepcopy_and_half_work(pair):
    """Why checkpoints are data-only: pickle (hence torch.save of the module, Ultralytics' format) fails on
    Brevitas' run-time injector classes, while deepcopy (EMA) and .half() (Ultralytics' saving) work."""
    _, quant_model, _ = pair
    with pytest.raises(pickle.PicklingError, match="brevitas"):
        pickle.dumps(quant_model)
    with pytest.raises(pickle.PicklingError):
        torch.save({"model": copy.deepcopy(quant_model).half()}, io.BytesIO())
    half = copy.deepcopy(quant_model).half()
    assert half.model[0].conv.weight.dtype == torch.float16
    buffer = io.BytesIO()
    torch.save(quant_model.state_dict(), buffer)
    buffer.seek(0)
    assert torch.load(buffer, weights_only=True).keys() == quant_model.state_dict().keys()
