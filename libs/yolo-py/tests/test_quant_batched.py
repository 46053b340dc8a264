"""The batched weight quantization (quant/batched.py) against stock Brevitas: same quantized weights and layer
outputs bit for bit, the same weight gradients within 1e-6 relative, and no silent fallback in training."""

import os

os.environ.setdefault("YOLO_OFFLINE", "true")
os.environ.setdefault("YOLO_AUTOINSTALL", "false")

import copy
from dataclasses import asdict

import pytest
import torch
from brevitas.core.quant import RescalingIntQuant
from brevitas.nn import QuantConv2d
from brevitas.quant import Int8WeightPerTensorFixedPoint
from torch import nn
from ultralytics.cfg import get_cfg
from ultralytics.nn.tasks import DetectionModel
from ultralytics.utils.torch_utils import ModelEMA

from yolo_py.quant import BatchedWeightQuant, QatSettings, quantize_model
from yolo_py.quant.batched import _memory_order
from yolo_py.quant.layer import QatConv2d

# (in, out, kernel, groups, bias): 1x1, 3x3, a depthwise 3x3, a strided 3x3 with bias, a wide 1x1 head.
SHAPES = [(16, 32, 1, 1, False), (8, 24, 3, 1, False), (24, 24, 3, 24, False), (12, 20, 3, 1, True), (64, 7, 1, 1, True)]


def conv_stack(seed: int, channels_last: bool = False) -> nn.Module:
    """Independent convs of several shapes (a ModuleList, each fed its own input), randomly initialised."""
    gen = torch.Generator().manual_seed(seed)
    stack = nn.ModuleList(nn.Conv2d(i, o, k, padding=k // 2, groups=g, bias=b) for i, o, k, g, b in SHAPES)
    with torch.no_grad():
        for conv in stack:
            conv.weight.copy_(torch.randn(conv.weight.shape, generator=gen) * torch.rand(1, generator=gen).item())
            if conv.bias is not None:
                conv.bias.copy_(torch.randn(conv.bias.shape, generator=gen))
    return stack.to(memory_format=torch.channels_last) if channels_last else stack


class Stack(nn.Module):
    """Runs each conv of the stack on its own input; a forward of tensors, as the batcher expects."""

    def __init__(self, convs: nn.ModuleList) -> None:
        super().__init__()
        self.convs = convs

    def forward(self, x: torch.Tensor) -> list[torch.Tensor]:
        return [conv(x[:, : conv.in_channels]) for conv in self.convs]


def quantized_pair(seed: int, settings: QatSettings = QatSettings(keep_float=()), channels_last: bool = False):
    """A stock-Brevitas model and an identical copy taken over by BatchedWeightQuant."""
    stock = Stack(conv_stack(seed, channels_last))
    quantize_model(stock, settings)
    fast = copy.deepcopy(stock)
    batcher = BatchedWeightQuant.install(fast)
    return stock, fast, batcher


def relative_error(mine: torch.Tensor, reference: torch.Tensor) -> float:
    return ((mine - reference).norm() / reference.norm()).item()


def assert_same_gradients(stock, fast, outs_stock, outs_fast) -> None:
    """Backpropagates the same random upstream gradient through both models: every parameter's gradient agrees."""
    upstream = [torch.randn(o.shape, generator=torch.Generator().manual_seed(7 + i)) for i, o in enumerate(outs_stock)]
    sum((o * g).sum() for o, g in zip(outs_stock, upstream)).backward()
    sum((o * g).sum() for o, g in zip(outs_fast, upstream)).backward()
    for (name, p_stock), p_fast in zip(stock.named_parameters(), fast.parameters()):
        assert p_stock.grad.norm() > 0, name
        assert relative_error(p_fast.grad, p_stock.grad) < 1e-6, name


def brevitas_weights(model: nn.Module) -> list[torch.Tensor]:
    return [m.quant_weight().value for m in model.modules() if isinstance(m, QuantConv2d)]


@pytest.mark.parametrize("seed", range(4))
@pytest.mark.parametrize("channels_last", [False, True])
def test_quantized_weights_outputs_and_gradients_match_brevitas(seed, channels_last):
    stock, fast, batcher = quantized_pair(seed, channels_last=channels_last)
    x = torch.randn(3, 64, 9, 11, generator=torch.Generator().manual_seed(100 + seed))
    stock.train(), fast.train()

    ours = batcher.quantized_weights(fast)
    for mine, theirs in zip(ours, brevitas_weights(stock)):
        assert torch.equal(mine, theirs)
        assert mine.stride() == theirs.stride() or not channels_last

    outs_stock, outs_fast = stock(x), fast(x)
    assert batcher.fast_forwards == 1
    for a, b in zip(outs_stock, outs_fast):
        assert torch.equal(a, b)

    assert_same_gradients(stock, fast, outs_stock, outs_fast)


def test_tied_maxima_send_the_scale_gradient_where_brevitas_does():
    stock, fast, batcher = quantized_pair(11)
    with torch.no_grad():
        for model in (stock, fast):
            first = model.convs[1].weight  # rows with their largest |w| twice, with both signs, and all-zero rows
            first[0].view(-1)[[2, 5]] = torch.tensor([3.0, -3.0])
            first[1].view(-1)[[0, 7, 9]] = 2.5
            first[2].zero_()
    loss_stock = sum(w.square().sum() for w in brevitas_weights(stock))
    loss_fast = sum(w.square().sum() for w in batcher.quantized_weights(fast))
    assert torch.equal(loss_stock, loss_fast)
    loss_stock.backward(), loss_fast.backward()
    for p_stock, p_fast in zip(stock.parameters(), fast.parameters()):
        if p_stock.grad is not None:
            assert relative_error(p_fast.grad, p_stock.grad) < 1e-6
    tied_stock, tied_fast = stock.convs[1].weight.grad, fast.convs[1].weight.grad
    for row, places in ((0, [2, 5]), (1, [0, 7, 9])):  # the tied elements, each row's gradient elementwise
        assert torch.allclose(tied_fast[row].reshape(-1)[places], tied_stock[row].reshape(-1)[places], rtol=1e-5)
    assert torch.all(fast.convs[1].weight.grad[2] == 0)  # all-zero row: no gradient through |w|, as in Brevitas


@pytest.mark.parametrize(
    "settings",
    [
        QatSettings(weight_bit_width=2, keep_float=()),
        QatSettings(weight_bit_width=8, keep_float=()),
        QatSettings(weight_bit_width=4, narrow_range=False, keep_float=()),
        QatSettings(weight_bit_width=4, per_channel=False, keep_float=()),
    ],
    ids=["2-bit", "8-bit", "wide-range", "per-tensor"],
)
def test_other_settings_match_brevitas_too(settings):
    stock, fast, batcher = quantized_pair(3, settings)
    for mine, theirs in zip(batcher.quantized_weights(fast), brevitas_weights(stock)):
        assert torch.equal(mine, theirs)


MIXED = QatSettings(keep_float=(), layers=[{"pattern": "convs.0", "bits": 8}, {"pattern": "convs.3", "bits": 2}, {"pattern": "convs.4", "bits": 8}])


@pytest.mark.parametrize("channels_last", [False, True])
@pytest.mark.parametrize("narrow_range", [True, False])
def test_mixed_bit_widths_match_brevitas_group_by_group(channels_last, narrow_range):
    """Per-layer widths: one group per width, in order of first appearance; weights, outputs and integer codes
    equal Brevitas' bit for bit, gradients within 1e-6 relative, as for one width."""
    settings = QatSettings(narrow_range=narrow_range, keep_float=(), layers=[asdict(e) for e in MIXED.layers])
    stock, fast, batcher = quantized_pair(6, settings, channels_last=channels_last)
    assert [(c.bits, members) for c, members in batcher.groups] == [(8, [0, 4]), (4, [1, 2]), (2, [3])]
    x = torch.randn(3, 64, 9, 11, generator=torch.Generator().manual_seed(106))
    stock.train(), fast.train()
    for mine, theirs in zip(batcher.quantized_weights(fast), brevitas_weights(stock), strict=True):
        assert torch.equal(mine, theirs)
    # Brevitas' codes of each layer, in the weight's memory order (how the flat tensor reads it), group by group.
    codes = lambda i: stock.convs[i].quant_weight().int().permute(_memory_order(fast.convs[i].weight)).reshape(-1)
    expected = torch.cat([codes(i) for _, members in batcher.groups for i in members]).to(torch.int8)
    assert torch.equal(batcher.integer_codes(fast), expected)

    outs_stock, outs_fast = stock(x), fast(x)  # the first training forward runs the check against Brevitas
    assert batcher.fast_forwards == 1 and batcher.checked_as is not None
    for a, b in zip(outs_stock, outs_fast, strict=True):
        assert torch.equal(a, b)
    assert_same_gradients(stock, fast, outs_stock, outs_fast)


def test_the_check_still_refuses_a_layer_that_differs_in_a_mixed_model(monkeypatch):
    stock, fast, batcher = quantized_pair(7, MIXED)
    real = type(fast.convs[3]).quant_weight

    def drifted(self, *args, **kwargs):
        value = real(self, *args, **kwargs)
        if self is fast.convs[3]:
            value.value.add_(1e-6)
        return value

    monkeypatch.setattr(type(fast.convs[3]), "quant_weight", drifted)
    with pytest.raises(RuntimeError, match="differs from Brevitas on layer 'convs.3'"):
        fast.train()(torch.rand(2, 64, 8, 8))


def test_a_quantizer_it_does_not_compute_is_refused():
    model = Stack(conv_stack(0))
    for i, conv in enumerate(list(model.convs)):
        layer = QatConv2d(conv.in_channels, conv.out_channels, conv.kernel_size, padding=conv.padding,
                          groups=conv.groups, bias=conv.bias is not None, weight_quant=Int8WeightPerTensorFixedPoint)
        model.convs[i] = layer
    BatchedWeightQuant.install(model)
    with pytest.raises(RuntimeError, match="differs from Brevitas"):  # power-of-two scales: the self-check
        model.train()(torch.rand(2, 64, 8, 8))


def test_the_check_runs_on_the_weights_as_they_train_not_at_install(monkeypatch):
    """The trainer moves the model (to the GPU, to channels_last) after install: the first training forward
    checks the layout that trains, evaluation forwards check nothing, and the check runs once."""
    stock, fast, batcher = quantized_pair(4)
    seen: list[bool] = []
    real_check = BatchedWeightQuant.check_against_brevitas

    def spy(self, model):
        seen.append(model.convs[1].weight.is_contiguous(memory_format=torch.channels_last))
        real_check(self, model)

    monkeypatch.setattr(BatchedWeightQuant, "check_against_brevitas", spy)
    BatchedWeightQuant.install(copy.deepcopy(stock))
    assert seen == []  # nothing checked before the model reaches its training layout
    fast.to(memory_format=torch.channels_last)
    x = torch.rand(2, 64, 8, 8)
    with torch.no_grad():
        fast.eval()(x)
    assert seen == [] and batcher.checked_as is None
    fast.train()(x)
    fast.train()(x)
    assert seen == [True]
    assert batcher.checked_as == "cpu, channels_last, float32, autocast off"


def test_a_difference_that_appears_in_the_training_layout_is_refused(monkeypatch):
    """A quantizer that agrees with Brevitas in one layout but not in the one that trains must stop training."""
    stock, fast, batcher = quantized_pair(5)
    layer = fast.convs[0]
    real = type(layer).quant_weight

    def drifted(self, *args, **kwargs):
        value = real(self, *args, **kwargs)
        if self.weight.is_contiguous(memory_format=torch.channels_last) and not self.weight.is_contiguous():
            value.value.add_(1e-6)  # one-ulp-sized difference, only in the layout that trains
        return value

    monkeypatch.setattr(type(layer), "quant_weight", drifted)
    fast.to(memory_format=torch.channels_last)
    with pytest.raises(RuntimeError, match="differs from Brevitas"):
        fast.train()(torch.rand(2, 64, 8, 8))


def test_a_model_without_quantized_layers_is_refused():
    with pytest.raises(ValueError, match="no quantized QatConv2d"):
        BatchedWeightQuant.install(Stack(conv_stack(0)))


@pytest.fixture(scope="module")
def yolo_pair() -> tuple[DetectionModel, DetectionModel, BatchedWeightQuant]:
    torch.manual_seed(0)
    stock = DetectionModel("yolov10n.yaml", nc=80, verbose=False)
    quantize_model(stock, QatSettings())
    stock.args = get_cfg()
    fast = copy.deepcopy(stock)
    return stock, fast, BatchedWeightQuant.install(fast)


BATCH = {
    "img": torch.rand(2, 3, 96, 96, generator=torch.Generator().manual_seed(0)),
    "cls": torch.tensor([[1.0], [3.0], [5.0]]),
    "bboxes": torch.tensor([[0.5, 0.5, 0.2, 0.3], [0.3, 0.3, 0.1, 0.1], [0.7, 0.6, 0.3, 0.2]]),
    "batch_idx": torch.tensor([0.0, 0.0, 1.0]),
}


def test_a_yolo_training_step_never_calls_brevitas_weight_quantization(yolo_pair, monkeypatch):
    stock, fast, batcher = yolo_pair
    stock.train(), fast.train()
    loss_stock, _ = stock.loss(BATCH)
    fast(BATCH)  # the first training forward checks the layers against Brevitas once; the steps after it never ask
    calls = []
    original = RescalingIntQuant.forward
    monkeypatch.setattr(RescalingIntQuant, "forward", lambda self, x: calls.append(1) or original(self, x))
    before = batcher.fast_forwards
    loss_fast, _ = fast(BATCH)  # the trainer's call: a batch dict, which reaches forward(images) through loss()
    loss_fast.sum().backward()
    assert calls == [] and batcher.fast_forwards == before + 1
    assert torch.equal(loss_fast, loss_stock)
    assert all(m.batched_weight is None for m in fast.modules() if isinstance(m, QatConv2d))


def test_a_training_forward_outside_the_model_refuses_to_fall_back(yolo_pair):
    _, fast, _ = yolo_pair
    layer = next(m for m in fast.modules() if isinstance(m, QatConv2d) and m.taken_over)
    layer.train()
    with pytest.raises(RuntimeError, match="refusing to fall back"):
        layer(torch.rand(1, layer.in_channels, 8, 8))
    with torch.no_grad():  # evaluation may take Brevitas' own path
        layer(torch.rand(1, layer.in_channels, 8, 8))


def test_the_ema_copy_quantizes_its_own_weights(yolo_pair):
    _, fast, _ = yolo_pair
    fast.train()
    ema = ModelEMA(fast)  # deepcopy of the model, hooks and all
    with torch.no_grad():
        for p in fast.parameters():
            p.add_(0.01)
    ema.update(fast)
    copy_batcher = next(hook.__self__ for hook in ema.ema._forward_pre_hooks.values())
    layer = ema.ema.get_submodule(copy_batcher.names[0])
    with torch.no_grad():
        expected = layer.quant_weight().value
        got = copy_batcher.quantized_weights(ema.ema)[0]
    assert torch.equal(got, expected)
    ema.ema(BATCH["img"])
    assert copy_batcher.fast_forwards >= 1


def test_a_yolo_model_with_first_conv_and_head_at_8_bits_trains_on_the_batched_path(monkeypatch):
    """The documented mixed entry on YOLOv10n: the first training forward checks every layer against Brevitas and
    passes; the loss equals stock Brevitas' and no layer asks Brevitas for its weight afterwards."""
    torch.manual_seed(0)
    settings = QatSettings(layers=[{"pattern": "model.0.conv", "bits": 8}, {"pattern": "model.23.*", "bits": 8}])
    stock = DetectionModel("yolov10n.yaml", nc=80, verbose=False)
    quantize_model(stock, settings)
    stock.args = get_cfg()
    fast = copy.deepcopy(stock)
    batcher = BatchedWeightQuant.install(fast)
    assert [(c.bits, len(members)) for c, members in batcher.groups] == [(8, 49), (4, 58)]
    stock.train(), fast.train()
    loss_stock, _ = stock.loss(BATCH)
    fast(BATCH)
    assert batcher.checked_as is not None
    calls = []
    original = RescalingIntQuant.forward
    monkeypatch.setattr(RescalingIntQuant, "forward", lambda self, x: calls.append(1) or original(self, x))
    loss_fast, _ = fast(BATCH)
    assert calls == [] and torch.equal(loss_fast, loss_stock)
