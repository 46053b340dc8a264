"""BatchNorm re-estimation before export: a QAT model's running statistics measured again with its final weights.

Why: the running mean and variance in a QAT checkpoint are an exponential average of batch statistics taken while the
weights kept moving, and best.pt holds the EMA of those averages beside the EMA of the weights, so no statistic in it
was ever measured with the weights that are exported. With 4-bit weights a code that flips moves a whole channel's
output, which makes the mismatch larger than in float (Nagel et al., ICML 2022, re-estimate BatchNorm after
low-bit QAT for this reason). Export folds these statistics into each conv's scale and bias (export/prepare.py).

How: N images through the model with gradients off, every BatchNorm layer in train mode and everything else in eval
mode (the weights fake-quantized as in training; both head branches run), after resetting each layer's statistics
and setting its momentum to None: PyTorch then keeps the cumulative average of the batches' means and unbiased
variances. Only running_mean, running_var and num_batches_tracked change; weights, BatchNorm's affine parameters,
the integer codes, the momentum and each module's mode are as before.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import torch
from torch import nn
from torch.nn.modules.batchnorm import _BatchNorm


@dataclass(frozen=True)
class BnReestimated:
    """What a re-estimation did: images seen, in how many batches of at most `batch`, over how many layers."""

    images: int
    batches: int
    batch: int
    layers: int


def reestimate_batchnorm(model: nn.Module, images: torch.Tensor, batch: int) -> BnReestimated:
    """Replaces every BatchNorm layer's running statistics by the cumulative average over `images` ([N, 3, H, W], on
    the model's device and dtype) in ceil(N / batch) batches of near-equal size (the average weighs each batch alike)."""
    layers = [m for m in model.modules() if isinstance(m, _BatchNorm)]
    if not layers:
        raise ValueError("the model has no BatchNorm layer to re-estimate")
    if images.ndim != 4 or not len(images):
        raise ValueError(f"expected a non-empty [N, 3, H, W] batch of images, got shape {tuple(images.shape)}")
    if batch < 1:
        raise ValueError(f"batch must be at least 1, got {batch}")
    modes = {m: m.training for m in model.modules()}
    momenta = [bn.momentum for bn in layers]
    chunks = torch.tensor_split(images, math.ceil(len(images) / batch))
    try:
        model.eval()
        for bn in layers:
            bn.reset_running_stats()
            bn.momentum = None  # cumulative average instead of an exponential one
            bn.train()
        with torch.no_grad():
            for chunk in chunks:
                model(chunk)
    finally:
        for bn, momentum in zip(layers, momenta):
            bn.momentum = momentum
        for module, training in modes.items():
            module.training = training
    return BnReestimated(images=len(images), batches=len(chunks), batch=max(len(c) for c in chunks), layers=len(layers))
