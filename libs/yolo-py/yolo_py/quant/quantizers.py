"""Brevitas weight quantizer injectors for the weight-only QAT.

Brevitas' Int8WeightPerChannelFloat is exactly the scheme wanted apart from the bit width: narrow signed
integers, a float scale recomputed every step from AbsMax statistics of the weight (StatsOp.MAX maps to
AbsMax), and a straight-through estimator for the rounding. Subclassing it and overriding only what the
settings change keeps every other Brevitas default (scaling_min_val, RoundSte, TensorClampSte) intact.
"""

from __future__ import annotations

from brevitas.core.scaling import ScalingPerOutputType
from brevitas.inject.enum import StatsOp
from brevitas.quant.scaled_int import Int8WeightPerChannelFloat

from yolo_py.quant.settings import QatSettings


class Int4WeightPerChannelAbsMax(Int8WeightPerChannelFloat):
    """4-bit narrow-range (-7..7) signed weights, one AbsMax-derived float scale per output channel."""

    bit_width = 4
    narrow_range = True
    scaling_stats_op = StatsOp.MAX


def weight_quantizer(settings: QatSettings, bit_width: int) -> type:
    """The injector of a `bit_width`-wide layer under these settings: the 4-bit default with bit width, granularity
    and range overridden (the width is the layer's: quant/plan.py decides it from weight_bit_width and `layers`).

    `let` returns a derived injector class; it is built per call, which is fine because quantized models
    are never pickled (see quant/checkpoint.py) but rebuilt from their settings.
    """
    per_output = ScalingPerOutputType.CHANNEL if settings.per_channel else ScalingPerOutputType.TENSOR
    return Int4WeightPerChannelAbsMax.let(
        bit_width=bit_width,
        narrow_range=settings.narrow_range,
        scaling_per_output_type=per_output,
    )
