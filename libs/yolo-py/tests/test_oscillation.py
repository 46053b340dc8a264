"""The share of integer weight codes that changed between two epochs, counted exactly."""

from __future__ import annotations

import torch
from torch import nn

from yolo_py.quant import BatchedWeightQuant, QatSettings, quantize_model
from yolo_py.quant.oscillation import CodeChangeMeter


def test_the_share_counts_exactly_the_codes_that_flipped():
    torch.manual_seed(0)
    model = nn.Sequential(nn.Conv2d(4, 8, 3), nn.Conv2d(8, 2, 1))
    quantize_model(model, QatSettings(keep_float=()))
    batcher = BatchedWeightQuant.install(model)
    meter = CodeChangeMeter(batcher)
    meter.reset(model)
    total = sum(m.weight.numel() for m in model)
    before = batcher.integer_codes(model)
    assert before.dtype == torch.int8 and before.numel() == total and int(before.abs().max()) == 7
    assert meter.share_changed(model) == 0.0
    with torch.no_grad():  # three of the first row's smallest weights up by one step of the row's scale
        row = model[0].weight[0].view(-1)
        scale = row.abs().max() / 7
        smallest = row.abs().argsort()[:3]  # far from the row's max, so the scale stays put
        row[smallest] += scale
    assert meter.share_changed(model) == 3 / total
    assert meter.share_changed(model) == 0.0  # the reference moved on
