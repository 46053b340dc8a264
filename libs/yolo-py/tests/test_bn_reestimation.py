"""BatchNorm re-estimation before export (yolo_py/export/bn_reestimation.py): the running statistics become the
cumulative average of the batches' statistics, measured with the fake-quantized weights; nothing else moves."""

import copy

import pytest
import torch
from torch import nn
from torch.nn import functional as F

from yolo_py.export.bn_reestimation import reestimate_batchnorm
from yolo_py.quant import QatSettings, quantize_model


def _stack() -> nn.Sequential:
    torch.manual_seed(0)
    model = nn.Sequential(nn.Conv2d(3, 4, 3, padding=1), nn.BatchNorm2d(4), nn.SiLU(), nn.Conv2d(4, 4, 3, padding=1), nn.BatchNorm2d(4))
    with torch.no_grad():
        for bn in (model[1], model[4]):  # trained-looking statistics and affine parameters, so a reset shows
            bn.running_mean.uniform_(-1, 1)
            bn.running_var.uniform_(0.5, 2)
            bn.weight.uniform_(0.5, 1.5)
            bn.bias.uniform_(-0.5, 0.5)
    return model


def _images(n: int = 5) -> torch.Tensor:
    return torch.rand(n, 3, 8, 8, generator=torch.Generator().manual_seed(1))


def _hand_statistics(model: nn.Sequential, chunks: list[torch.Tensor]) -> list[tuple[torch.Tensor, torch.Tensor]]:
    """Each BatchNorm's (mean, var) as the mean over chunks of the chunk's channel mean and unbiased variance, the
    chunk passing through the earlier layers in train mode (normalised by its own statistics)."""
    convs, bns = (model[0], model[3]), (model[1], model[4])
    sums = [[torch.zeros(4), torch.zeros(4)] for _ in bns]
    for x in chunks:
        for i, (conv, bn) in enumerate(zip(convs, bns)):
            x = conv(x)
            sums[i][0] += x.mean(dim=(0, 2, 3))
            sums[i][1] += x.var(dim=(0, 2, 3), unbiased=True)
            x = F.batch_norm(x, None, None, bn.weight, bn.bias, training=True, eps=bn.eps)
            if i == 0:
                x = F.silu(x)
    return [(m / len(chunks), v / len(chunks)) for m, v in sums]


def test_statistics_are_the_cumulative_average_of_the_batches():
    model = _stack().train()
    images = _images(5)
    with torch.no_grad():
        expected = _hand_statistics(model, [images[:2], images[2:4], images[4:]])  # ceil(5 / 2) = 3 batches: 2, 2, 1
    done = reestimate_batchnorm(model, images, batch=2)
    assert (done.images, done.batches, done.batch, done.layers) == (5, 3, 2, 2)
    for bn, (mean, var) in zip((model[1], model[4]), expected):
        torch.testing.assert_close(bn.running_mean, mean, rtol=1e-5, atol=1e-6)
        torch.testing.assert_close(bn.running_var, var, rtol=1e-5, atol=1e-6)
        assert int(bn.num_batches_tracked) == 3
        assert bn.momentum == 0.1  # put back: a later fine-tune keeps its exponential average
    assert all(m.training for m in model.modules())  # every module's mode is as it was


def test_only_the_running_statistics_change_and_they_are_measured_with_the_quantized_weights():
    quantized = _stack()
    quantize_model(quantized, QatSettings(keep_float=()))
    quantized.eval()
    before = copy.deepcopy(quantized.state_dict())
    # The same stack in float, its conv weights replaced by their 4-bit fake-quantized values.
    baked = _stack()
    float_copy = _stack()
    with torch.no_grad():
        for i in (0, 3):
            baked[i].weight.copy_(quantized[i].quant_weight().value)
    reestimate_batchnorm(quantized, _images(), batch=2)
    reestimate_batchnorm(baked, _images(), batch=2)
    reestimate_batchnorm(float_copy, _images(), batch=2)
    after = quantized.state_dict()
    stats = ("running_mean", "running_var", "num_batches_tracked")
    for key, value in before.items():
        if key.endswith(stats):
            assert not torch.equal(after[key], value), key
        else:
            assert torch.equal(after[key], value), f"{key} moved"  # conv weights, biases, BN affine: bit for bit
    for i in (1, 4):
        torch.testing.assert_close(quantized[i].running_mean, baked[i].running_mean, rtol=0, atol=0)
        torch.testing.assert_close(quantized[i].running_var, baked[i].running_var, rtol=0, atol=0)
    assert not torch.equal(quantized[4].running_var, float_copy[4].running_var)  # the float weights give others
    assert not any(m.training for m in quantized.modules())


def test_a_failed_pass_still_puts_momentum_and_modes_back():
    model = _stack().eval()
    with pytest.raises(RuntimeError):
        reestimate_batchnorm(model, torch.rand(2, 5, 8, 8), batch=2)  # 5 channels into a 3-channel conv
    assert model[1].momentum == 0.1 and not any(m.training for m in model.modules())


def test_bad_inputs_are_refused():
    with pytest.raises(ValueError, match="no BatchNorm"):
        reestimate_batchnorm(nn.Conv2d(3, 3, 1), _images(), batch=2)
    with pytest.raises(ValueError, match="non-empty"):
        reestimate_batchnorm(_stack(), torch.rand(0, 3, 8, 8), batch=2)
    with pytest.raises(ValueError, match="batch must be at least 1"):
        reestimate_batchnorm(_stack(), _images(), batch=0)
