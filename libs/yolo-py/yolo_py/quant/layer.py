"""The quantized conv of this project: a Brevitas QuantConv2d that can take its fake-quantized weight from outside.

Brevitas computes each layer's weight quantization in that layer's forward, about a hundred small kernels per
layer and step (see quant/batched.py for what that costs). QatConv2d is an unchanged QuantConv2d (same
injector, same state_dict, same export path) with one addition: when `batched_weight` is set, the forward uses
it instead of asking its own weight quantizer. BatchedWeightQuant sets it for every layer at once, for the
duration of one model forward, and clears it afterwards; with it unset the layer is stock Brevitas.
"""

from __future__ import annotations

import torch
from brevitas.nn import QuantConv2d


class QatConv2d(QuantConv2d):
    """QuantConv2d with weight-only fake quantization whose quantized weight may be supplied per forward."""

    # Not a parameter or buffer: never in the state_dict, so checkpoints are those of a plain QuantConv2d.
    batched_weight: torch.Tensor | None = None
    # Set by BatchedWeightQuant.install: from then on a training forward without a batched weight is an error,
    # so a wiring mistake can never make a run silently train on the slow per-layer path.
    taken_over: bool = False

    def forward(self, input):  # noqa: A002 (torch's own argument name)
        weight = self.batched_weight
        if weight is None:
            if self.taken_over and self.training and torch.is_grad_enabled():
                raise RuntimeError(
                    "a QAT layer taken over by BatchedWeightQuant ran a training forward without its batched weight "
                    "(called outside the model's forward?): refusing to fall back to per-layer Brevitas quantization"
                )
            return super().forward(input)
        # What QuantWBIOL.forward_impl computes when input, bias and output quantization are off (checked by
        # BatchedWeightQuant when it takes the layer over): the conv of the input with the quantized weight.
        return self.inner_forward_impl(input, weight, self.bias)
