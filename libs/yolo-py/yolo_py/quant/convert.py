"""Swaps every nn.Conv2d of a model for a Brevitas QuantConv2d with fake-quantized weights.

Only the conv leaf is swapped, so Ultralytics' Conv wrapper (conv + bn + act) keeps its shape: BN fusing,
EMA, the loss and the exporter keep working on the same module tree. Weights and biases are copied, so a
quantized copy of a model differs from it only by the weight rounding.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import asdict, dataclass, field
from typing import Any

import torch
from brevitas.nn import QuantConv2d
from torch import nn

from yolo_py.quant.layer import QatConv2d
from yolo_py.quant.plan import layer_bit_widths
from yolo_py.quant.quantizers import weight_quantizer
from yolo_py.quant.settings import QatSettings


@dataclass(frozen=True)
class QuantReport:
    """What quantize_model did: which convs were swapped, which stayed float, and parameter counts."""

    quantized_convs: int
    quantized_names: list[str] = field(default_factory=list)
    quantized_bit_widths: list[int] = field(default_factory=list)  # weight bit width of each of quantized_names
    float_conv_names: list[str] = field(default_factory=list)
    params_total: int = 0
    params_quantized_weights: int = 0
    params_float: int = 0

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    def bit_width_summary(self) -> str:
        """How many quantized convs have each weight bit width, e.g. 'W4: 75, W8: 8'."""
        counts = Counter(self.quantized_bit_widths)
        return ", ".join(f"W{bits}: {counts[bits]}" for bits in sorted(counts)) or "none"


def quantize_model(model: nn.Module, settings: QatSettings) -> QuantReport:
    """Quantizes `model` in place (DetectionModel or any nn.Module) and reports what changed.

    Raises ValueError when the model already holds QuantConv2d layers (a second pass would silently stack
    nothing and hide a wiring error) or when a keep_float pattern or a `layers` entry decides no conv (a typo
    would otherwise quantize the layer it meant to protect, or leave it at the default width; quant/plan.py).
    """
    convs = [(name, m) for name, m in model.named_modules() if isinstance(m, nn.Conv2d)]
    already = [name for name, m in convs if isinstance(m, QuantConv2d)]
    if already:
        raise ValueError(f"model is already quantized: '{already[0]}' is a QuantConv2d")

    widths = layer_bit_widths([name for name, _ in convs], settings)
    quantizers = {bits: weight_quantizer(settings, bits) for bits in set(widths.values()) if bits is not None}
    modules = dict(model.named_modules())
    for name, conv in convs:
        if widths[name] is None:
            continue
        parent_name, _, child = name.rpartition(".")
        setattr(modules[parent_name] if parent_name else model, child, _quant_conv_like(conv, quantizers[widths[name]]))
    return quant_report(model)


def quant_report(model: nn.Module) -> QuantReport:
    """The report of a quantized model, read off its layers (so it also describes a reloaded checkpoint)."""
    quantized = quantized_conv_names(model)
    kept = [n for n, m in model.named_modules() if isinstance(m, nn.Conv2d) and not isinstance(m, QuantConv2d)]
    total = sum(p.numel() for p in model.parameters())
    q_weights = sum(model.get_submodule(n).weight.numel() for n in quantized)
    return QuantReport(
        quantized_convs=len(quantized),
        quantized_names=quantized,
        quantized_bit_widths=[int(model.get_submodule(n).weight_quant.bit_width()) for n in quantized],
        float_conv_names=kept,
        params_total=total,
        params_quantized_weights=q_weights,
        params_float=total - q_weights,
    )


def quantized_conv_names(model: nn.Module) -> list[str]:
    """Names of the QuantConv2d layers whose weight quantization is enabled, in module order."""
    return [n for n, m in model.named_modules() if isinstance(m, QuantConv2d) and m.weight_quant.is_quant_enabled]


def check_quantized_with(model: nn.Module, settings: QatSettings) -> None:
    """Raises ValueError unless `model` looks exactly as quantize_model(settings) leaves a fresh model.

    A checkpoint stores settings beside a state_dict whose keys are the same for Conv2d and QuantConv2d;
    a model quantized with other settings would reload silently into a different model.
    """
    convs = [(name, m) for name, m in model.named_modules() if isinstance(m, nn.Conv2d)]
    widths = layer_bit_widths([name for name, _ in convs], settings)
    for name, m in convs:
        quantized = isinstance(m, QuantConv2d)
        if quantized == (widths[name] is None):
            state, wanted = ("quantized", "float") if quantized else ("float", "quantized")
            raise ValueError(f"conv '{name}' is {state} but the QAT settings make it {wanted} (keep_float)")
        if quantized and int(m.weight_quant.bit_width()) != widths[name]:
            raise ValueError(
                f"conv '{name}' has {int(m.weight_quant.bit_width())}-bit weights but the QAT settings make it "
                f"{widths[name]}-bit (weight_bit_width, layers)"
            )


def _quant_conv_like(conv: nn.Conv2d, quantizer: type) -> QatConv2d:
    """A QuantConv2d (QatConv2d: see quant/layer.py) with the same geometry, device, dtype, tensors and trainability as `conv`."""
    if isinstance(conv.padding, str):  # Ultralytics always passes ints; 'same' changes Brevitas' padding logic
        raise ValueError(f"string padding {conv.padding!r} is not supported for quantization")
    qconv = QatConv2d(
        conv.in_channels,
        conv.out_channels,
        conv.kernel_size,
        stride=conv.stride,
        padding=conv.padding,
        dilation=conv.dilation,
        groups=conv.groups,
        padding_mode=conv.padding_mode,
        bias=conv.bias is not None,
        weight_quant=quantizer,
        bias_quant=None,
        input_quant=None,
        output_quant=None,
        return_quant_tensor=False,
        device=conv.weight.device,
        dtype=conv.weight.dtype,
    )
    with torch.no_grad():
        qconv.weight.copy_(conv.weight)
        if conv.bias is not None:
            qconv.bias.copy_(conv.bias)
    qconv.weight.requires_grad_(conv.weight.requires_grad)
    if conv.bias is not None:
        qconv.bias.requires_grad_(conv.bias.requires_grad)
    qconv.train(conv.training)
    return qconv
