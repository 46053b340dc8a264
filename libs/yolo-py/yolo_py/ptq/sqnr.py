"""Per-layer weight SQNR of the weight fake quantization (4-bit, or each layer's width): the 'analyze' step of a QAT workflow.

SQNR (dB) = 10 log10(sum w^2 / sum (w - q(w))^2) over one conv's weight, with q the layer's own Brevitas
weight quantizer. It is read before BN folding, on the weights the quantizer sees in training; folding
scales each output channel by a constant, which keeps the codes but reweights the channels' shares.
An exact quantization (noise 0) reads +inf, written as null in JSON.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass

import torch
from brevitas.nn import QuantConv2d
from torch import nn

from yolo_py.export.int4_pack import storage_bits
from yolo_py.quant.convert import quantized_conv_names

BYTES_FP32, BYTES_FP16 = 4, 2
LOWEST_COUNT = 10


@dataclass(frozen=True)
class LayerSqnr:
    name: str
    weight_shape: list[int]
    parameters: int
    bit_width: int
    sqnr_db: float | None  # None: the quantization is exact (no noise)


def sqnr_db(weight: torch.Tensor, quantized: torch.Tensor) -> float | None:
    """Signal-to-quantization-noise ratio in dB; None when the noise is exactly zero."""
    weight, quantized = weight.detach().double(), quantized.detach().double()
    noise = float(((weight - quantized) ** 2).sum())
    signal = float((weight**2).sum())
    if noise == 0.0:  # also covers an all-zero weight, whose codes are all zero
        return None
    return 10.0 * math.log10(signal / noise)


def layer_sqnr(model: nn.Module) -> list[LayerSqnr]:
    """One row per quantized conv of a quantized model, in module order."""
    rows = []
    with torch.no_grad():
        for name in quantized_conv_names(model):
            conv = model.get_submodule(name)
            assert isinstance(conv, QuantConv2d)
            quant = conv.quant_weight()
            rows.append(
                LayerSqnr(
                    name=name,
                    weight_shape=list(conv.weight.shape),
                    parameters=conv.weight.numel(),
                    bit_width=int(quant.bit_width),
                    sqnr_db=sqnr_db(conv.weight, quant.value),
                )
            )
    return rows


def model_totals(model: nn.Module, rows: list[LayerSqnr]) -> dict:
    """Shares of parameters and convs quantized, convs and parameters per bit width, and the model size at fp32,
    fp16 and packed int4.

    Packed int4: each quantized weight at its storage width in the packed file (4 bits up to 4-bit layers, 8 for
    wider ones, kept int8: export/int4_pack.py) plus one fp32 scale per output channel (or per tensor), every
    other parameter at fp32, which is how the packed ONNX file stores them.
    """
    params = sum(p.numel() for p in model.parameters())
    quantized = sum(r.parameters for r in rows)
    convs = sum(1 for m in model.modules() if isinstance(m, nn.Conv2d))
    scales = 0
    for r in rows:
        conv = model.get_submodule(r.name)
        scales += int(conv.quant_weight().scale.numel())
    packed_bits = sum(r.parameters * storage_bits(r.bit_width) for r in rows)
    by_width: dict[str, dict[str, int]] = {}
    for r in sorted(rows, key=lambda r: r.bit_width):
        width = by_width.setdefault(str(r.bit_width), {"convs": 0, "parameters": 0})
        width["convs"] += 1
        width["parameters"] += r.parameters
    packed = math.ceil(packed_bits / 8) + scales * BYTES_FP32 + (params - quantized) * BYTES_FP32
    return {
        "parameters": params,
        "quantized_parameters": quantized,
        "quantized_parameter_share": quantized / params if params else 0.0,
        "convs": convs,
        "quantized_convs": len(rows),
        "quantized_conv_share": len(rows) / convs if convs else 0.0,
        "bit_widths": by_width,
        "bytes": {"fp32": params * BYTES_FP32, "fp16": params * BYTES_FP16, "packed_int4": packed},
    }


def lowest(rows: list[LayerSqnr], count: int = LOWEST_COUNT) -> list[LayerSqnr]:
    """The `count` layers with the lowest SQNR (exact layers, None, rank last), lowest first."""
    return sorted(rows, key=lambda r: math.inf if r.sqnr_db is None else r.sqnr_db)[:count]


def quantization_report(models: dict[str, nn.Module]) -> dict:
    """The report of several quantized models of one architecture (e.g. {'qat': ..., 'ptq': ...})."""
    out = {}
    for key, model in models.items():
        rows = layer_sqnr(model)
        finite = [r.sqnr_db for r in rows if r.sqnr_db is not None]
        out[key] = {
            "layers": [asdict(r) for r in rows],
            "totals": model_totals(model, rows),
            "lowest": [r.name for r in lowest(rows)],
            "mean_sqnr_db": sum(finite) / len(finite) if finite else None,
        }
    return out
