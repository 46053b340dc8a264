"""Weight oscillation, epoch by epoch: the share of the model's integer weight codes that changed since the
previous epoch.

Why: in low-bit QAT, latent weights near a rounding boundary flip between two codes step after step instead of
settling (Nagel et al., "Overcoming Oscillations in Quantization-Aware Training", ICML 2022); the flipping
corrupts BatchNorm statistics and can collapse the run. A healthy run's share falls as the learning rate decays;
a share that stays high late in training, or climbs, is the warning sign. Measured on the weights being trained
(not the EMA), on the device, once per epoch: one comparison of two int8 tensors.
"""

from __future__ import annotations

import torch
from torch import nn

from yolo_py.quant.batched import BatchedWeightQuant

CODE_CHANGE_COLUMN = "qat/code_change"  # results.csv and TensorBoard


class CodeChangeMeter:
    def __init__(self, batcher: BatchedWeightQuant) -> None:
        self.batcher = batcher
        self.previous: torch.Tensor | None = None

    def reset(self, model: nn.Module) -> None:
        """Takes the model's current codes as the reference (training start, or weights restored after a NaN)."""
        self.previous = self.batcher.integer_codes(model)

    def share_changed(self, model: nn.Module) -> float:
        """The share of codes that differ from the reference; the current codes become the next reference."""
        codes = self.batcher.integer_codes(model)
        if self.previous is None or self.previous.shape != codes.shape:
            self.previous = codes
            return float("nan")
        share = int((codes != self.previous).sum()) / codes.numel()
        self.previous = codes
        return share
