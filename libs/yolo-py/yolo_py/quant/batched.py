"""Brevitas' weight fake quantization for all layers of a model at once: the training fast path.

Why: a stock Brevitas QuantConv2d quantizes its weight inside its own forward through a stack of small modules
(view, AbsMax, clamps, restrict, scale, round, clamp, dequantize), and autograd mirrors each of them in the
backward. On yolov10m (141 quantized convs) that is about 14,000 kernel launches a step, and a 640-px batch-32
step on an H200 is bound by the CPU issuing them (measured: 3.8x the FP16 step, the GPU busy 22% of the time).

What: the same arithmetic, in the same order, on every quantized weight of the model concatenated into one flat
tensor whose rows (one per output channel, or one per tensor) are contiguous: a handful of kernels forward and
backward for the whole model, whatever its depth. Layers quantized differently (per-layer bit widths, e.g. an
8-bit first conv and head around a 4-bit body) form one such tensor per set of constants: a handful of kernels
per bit width, still none per layer. Brevitas stays the definition: the layers are Brevitas
QuantConv2d built from the project's injector (quant/layer.py), the quantization constants are read from that
injector, and taking a model over checks, layer by layer, that this path gives Brevitas' own quantized weights
bit for bit; if not, it refuses (a training that silently quantizes differently would be worse than a slow one).

Exactness (tests/test_quant_batched.py): the quantized weights, and so the layer outputs, equal Brevitas' exactly
(elementwise IEEE operations in Brevitas' order; the per-row max is order independent). The weight gradient is
Brevitas' autograd formula term for term; only the per-row sums of the scale gradient add in another order
(float32 rounding, ~1e-7 relative). Where a row's largest |w| is tied, the scale gradient goes to the row's
first tied element (torch.max's choice on CPU; on CUDA torch.max leaves the choice open).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import torch
from brevitas.core.function_wrapper import TensorClampSte
from brevitas.core.scaling import ScalingPerOutputType
from brevitas.inject.enum import ScalingImplType, StatsOp
from torch import nn

from yolo_py.quant.layer import QatConv2d


@dataclass(frozen=True)
class WeightQuantConstants:
    """The numbers that define one layer's fake quantization (taken from its Brevitas injector); layers with equal
    constants are quantized together."""

    qmin: float  # smallest integer code, e.g. -7 for 4-bit narrow range, -8 for the wide one
    qmax: float  # largest integer code
    threshold: float  # Brevitas' integer threshold (IntScaling, signed: -qmin): scale = AbsMax / threshold
    scaling_min_val: float  # Brevitas clamps the AbsMax statistic from below before dividing
    per_channel: bool

    @property
    def bits(self) -> int:
        return int(self.qmax + 1).bit_length()  # qmax = 2**(bits-1) - 1, narrow range or not


def constants_of(layer: QatConv2d) -> WeightQuantConstants:
    """Reads the quantizer's definition off the layer's Brevitas injector, refusing any scheme not computed here."""
    proxy = layer.weight_quant
    injector = proxy.quant_injector
    problems = []
    if not proxy.is_quant_enabled:
        problems.append("weight quantization is off")
    for name in ("input_quant", "output_quant", "bias_quant"):
        if getattr(layer, name).is_quant_enabled:
            problems.append(f"{name} is on")
    if layer.return_quant_tensor:
        problems.append("it returns QuantTensors")
    if injector.scaling_impl_type != ScalingImplType.STATS or injector.scaling_stats_op != StatsOp.MAX:
        problems.append("its scale is not AbsMax statistics")
    if not injector.signed:
        problems.append("its integers are unsigned")
    if not isinstance(injector.tensor_clamp_impl, TensorClampSte):
        problems.append("its clamp is not straight-through")
    per_output = injector.scaling_per_output_type
    if per_output not in (ScalingPerOutputType.CHANNEL, ScalingPerOutputType.TENSOR):
        problems.append(f"its scale granularity is {per_output}")
    if problems:
        raise ValueError(f"batched weight quantization cannot stand in for this layer: {'; '.join(problems)}")
    bits = int(proxy.bit_width())
    qmax = float(2 ** (bits - 1) - 1)
    qmin = -qmax if injector.narrow_range else -qmax - 1
    return WeightQuantConstants(qmin, qmax, -qmin, float(injector.scaling_min_val), per_output == ScalingPerOutputType.CHANNEL)


class RowLayout:
    """Where each weight's rows sit in the flat tensor, for one set of weight shapes, strides, device and dtype.

    A weight is read in its memory order (channels_last weights through a permuted view), so flattening is a
    view and an output channel is one contiguous row either way; the quantized piece is viewed back into the
    weight's own shape and strides.
    """

    def __init__(self, weights: list[torch.Tensor], per_channel: bool) -> None:
        self.orders = [_memory_order(w) for w in weights]
        self.sizes = [w.numel() for w in weights]
        rows = []
        for w in weights:
            rows += [w.numel() // w.shape[0]] * w.shape[0] if per_channel else [w.numel()]
        device = weights[0].device
        self.lengths = torch.tensor(rows, dtype=torch.long, device=device)
        starts = torch.cumsum(self.lengths, 0) - self.lengths
        total = sum(self.sizes)
        position = torch.arange(total, device=device)
        # Index of each element inside its row, as float: exact (rows are far shorter than 2**24) and usable in
        # a segment min, which picks the first of tied maxima.
        self.index_in_row = (position - torch.repeat_interleave(starts, self.lengths, output_size=total)).to(weights[0].dtype)
        self.total = total

    def flatten(self, weights: list[torch.Tensor]) -> torch.Tensor:
        return torch.cat([w.permute(order).reshape(-1) for w, order in zip(weights, self.orders)])

    def unflatten(self, flat: torch.Tensor, like: list[torch.Tensor]) -> list[torch.Tensor]:
        pieces = flat.split(self.sizes)
        return [
            piece.view([w.shape[i] for i in order]).permute(_inverse(order))
            for piece, w, order in zip(pieces, like, self.orders)
        ]

    def per_element(self, per_row: torch.Tensor) -> torch.Tensor:
        return torch.repeat_interleave(per_row, self.lengths, output_size=self.total)

    def row_reduce(self, values: torch.Tensor, how: str) -> torch.Tensor:
        # unsafe: the lengths were checked when built; the safe path reads their sum back from the device.
        return torch.segment_reduce(values, how, lengths=self.lengths, unsafe=True)


def _quantize_rows(flat: torch.Tensor, layout: RowLayout, c: WeightQuantConstants):
    """Brevitas' AbsMax scale and integer codes of every row: (row max, threshold, per-element scale, codes)."""
    stats = layout.row_reduce(flat.abs(), "max")  # AbsMax over each row (Brevitas: torch.max over the view)
    # The threshold as a device tensor, as in Brevitas: CUDA divides by a Python number through its
    # reciprocal, one rounding more, which moved 4-bit scales by an ulp on the H200.
    threshold = stats.new_full((), c.threshold)
    scale = layout.per_element(stats.clamp_min(c.scaling_min_val) / threshold)
    codes = torch.clamp(torch.round(flat / scale), c.qmin, c.qmax)  # RoundSte, then TensorClampSte
    return stats, threshold, scale, codes


class _FakeQuantRows(torch.autograd.Function):
    """Brevitas' RescalingIntQuant(AbsMax) forward and its autograd backward, on all rows at once."""

    @staticmethod
    def forward(ctx: Any, flat: torch.Tensor, layout: RowLayout, c: WeightQuantConstants) -> torch.Tensor:
        stats, threshold, scale, codes = _quantize_rows(flat, layout, c)
        ctx.save_for_backward(flat, scale, codes, stats, threshold)
        ctx.layout, ctx.constants = layout, c
        return codes * scale

    @staticmethod
    def backward(ctx: Any, grad: torch.Tensor):
        flat, scale, codes, stats, threshold = ctx.saved_tensors
        layout, c = ctx.layout, ctx.constants
        grad_codes = grad * scale  # d(codes * scale) / d codes
        grad_flat = grad_codes / scale  # through the straight-through round and clamp, then d(w / scale) / dw
        # d/d scale, from the dequantizing product and from the division, summed over each row.
        grad_scale = grad * codes - grad_codes * ((flat / scale) / scale)
        grad_stats = layout.row_reduce(grad_scale, "sum") / threshold  # the clamp is straight-through
        # torch.max's backward: the row's gradient goes to one element holding the max, times d|w|/dw.
        holds_max = flat.abs() == layout.per_element(stats)
        candidates = torch.where(holds_max, layout.index_in_row, torch.inf)
        first = layout.index_in_row == layout.per_element(layout.row_reduce(candidates, "min"))
        grad_flat = grad_flat + torch.where(first, layout.per_element(grad_stats) * torch.sgn(flat), 0.0)
        return grad_flat, None, None


def fake_quantize_all(weights: list[torch.Tensor], layout: RowLayout, constants: WeightQuantConstants) -> list[torch.Tensor]:
    """The fake-quantized copies of `weights`, differentiable with respect to them."""
    return layout.unflatten(_FakeQuantRows.apply(layout.flatten(weights), layout, constants), weights)


class BatchedWeightQuant:
    """Runs the weight quantization of every QatConv2d of a model once per model forward, for all layers at once.

    Installed as forward hooks on the model, so it travels with deepcopies (Ultralytics' EMA) and works under
    DDP. Hooks run on calls of the model: Ultralytics' training call takes a batch dict and reaches the layers
    through model.loss -> model.forward(images), a plain method call inside the hooked one.
    """

    def __init__(self, model: nn.Module) -> None:
        self.names = [n for n, m in model.named_modules() if isinstance(m, QatConv2d) and m.weight_quant.is_quant_enabled]
        if not self.names:
            raise ValueError("the model has no quantized QatConv2d layer to take over")
        # One group per set of constants (a bit width, usually), in order of first appearance: each group is
        # quantized as one flat tensor, exactly as a model of that one width would be.
        groups: dict[WeightQuantConstants, list[int]] = {}
        for i, layer in enumerate(self.layers(model)):
            groups.setdefault(constants_of(layer), []).append(i)
        self.groups = list(groups.items())
        self._layouts: dict[tuple, RowLayout] = {}
        self.fast_forwards = 0  # model forwards that took the batched path (the tests read it)
        self.checked_as: str | None = None  # how the weights were laid out when the check passed
        self.verbose = False

    @classmethod
    def install(cls, model: nn.Module, verbose: bool = False) -> BatchedWeightQuant:
        """Takes the model's quantized layers over; the first training forward checks them against Brevitas.

        The check waits for that forward because the trainer moves the model after this call (to the GPU, to
        channels_last): the path checked must be the one that trains, on its device, layout and dtype, under
        the same autocast.
        """
        batcher = cls(model)
        batcher.verbose = verbose
        for layer in batcher.layers(model):
            layer.taken_over = True
        model.register_forward_pre_hook(batcher._before)
        model.register_forward_hook(batcher._after, always_call=True)
        return batcher

    def layers(self, model: nn.Module) -> list[QatConv2d]:
        return [model.get_submodule(n) for n in self.names]

    def quantized_weights(self, model: nn.Module) -> list[torch.Tensor]:
        """The fake-quantized weight of every layer, in self.names' order."""
        weights = [layer.weight for layer in self.layers(model)]
        out: list[torch.Tensor] = [None] * len(weights)  # type: ignore[list-item]
        for constants, members in self.groups:
            group = [weights[i] for i in members]
            for i, quantized in zip(members, fake_quantize_all(group, self._layout(group, constants), constants)):
                out[i] = quantized
        return out

    def integer_codes(self, model: nn.Module) -> torch.Tensor:
        """The integer code of every quantized weight of the model, flat (group by group), as int8 (what a QCDQ
        export stores)."""
        with torch.no_grad():
            weights = [layer.weight for layer in self.layers(model)]
            codes = []
            for constants, members in self.groups:
                group = [weights[i] for i in members]
                layout = self._layout(group, constants)
                codes.append(_quantize_rows(layout.flatten(group), layout, constants)[3].to(torch.int8))
            return torch.cat(codes)

    def check_against_brevitas(self, model: nn.Module) -> None:
        with torch.no_grad():
            ours = self.quantized_weights(model)
            for name, layer, weight in zip(self.names, self.layers(model), ours):
                stock = layer.quant_weight().value
                if not torch.equal(weight, stock):
                    worst = (weight - stock).abs().max().item()
                    raise RuntimeError(
                        f"batched weight quantization differs from Brevitas on layer '{name}' (max |diff| {worst:g}): "
                        "refusing to train with it"
                    )

    def _layout(self, weights: list[torch.Tensor], constants: WeightQuantConstants) -> RowLayout:
        key = (constants, weights[0].device, weights[0].dtype, *((tuple(w.shape), w.stride()) for w in weights))
        layout = self._layouts.get(key)
        if layout is None:
            layout = self._layouts[key] = RowLayout(weights, constants.per_channel)
        return layout

    def _before(self, model: nn.Module, args: tuple) -> None:
        layers = self.layers(model)
        dtype = layers[0].weight.dtype
        if dtype != torch.float32:
            # Ultralytics validates a .half() copy of the EMA: that forward keeps the stock Brevitas path.
            # Training never gets here: its weights are float32 under AMP, and a float16 one would be a bug.
            if torch.is_grad_enabled() and model.training:
                raise RuntimeError(f"QAT training with {dtype} weights: the batched weight quantization expects float32")
            return
        if self.checked_as is None and torch.is_grad_enabled() and model.training:
            self.check_against_brevitas(model)
            self.checked_as = _layout_description([layer.weight for layer in layers])
            if self.verbose:
                widths = ", ".join(f"{len(members)} at {c.bits} bits" for c, members in self.groups)
                print(f"QAT: batched weight quantization equals Brevitas on all {len(layers)} layers ({widths}), checked as trained "
                      f"({self.checked_as})", flush=True)
        for layer, weight in zip(layers, self.quantized_weights(model)):
            layer.batched_weight = weight
        self.fast_forwards += 1

    def _after(self, model: nn.Module, args: tuple, output: Any) -> None:
        for layer in self.layers(model):
            layer.batched_weight = None  # drops this forward's graph; a deepcopy (EMA) must not meet it


def _layout_description(weights: list[torch.Tensor]) -> str:
    w = weights[0]
    channels_last = any(_memory_order(x) == (0, 2, 3, 1) for x in weights)  # 1x1 kernels look alike in both
    autocast = torch.is_autocast_enabled(w.device.type)
    dtype = str(w.dtype).removeprefix("torch.")
    return f"{w.device}, {'channels_last' if channels_last else 'contiguous'}, {dtype}, autocast {'on' if autocast else 'off'}"


def _memory_order(w: torch.Tensor) -> tuple[int, ...]:
    if w.dim() == 4 and not w.is_contiguous() and w.is_contiguous(memory_format=torch.channels_last):
        return (0, 2, 3, 1)
    return tuple(range(w.dim()))


def _inverse(order: tuple[int, ...]) -> tuple[int, ...]:
    return tuple(sorted(range(len(order)), key=order.__getitem__))
