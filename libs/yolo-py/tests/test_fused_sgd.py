"""The fused SGD the trainer uses on CUDA against Ultralytics' stock SGD, on CPU (torch's fused SGD runs there too).

The case that matters is GradScaler skipping a step for an inf gradient before the first real step: stock SGD
never runs it, the fused kernel gets found_inf and must leave parameters and momentum as if it had not run.
"""

from __future__ import annotations

import pytest
import torch

from yolo_py.fused_sgd import fused_sgd_like, zero_missing_momentum_buffers


def _model(seed: int = 0) -> torch.nn.Module:
    torch.manual_seed(seed)
    return torch.nn.Sequential(torch.nn.Conv2d(3, 8, 3), torch.nn.BatchNorm2d(8), torch.nn.Conv2d(8, 4, 1))


def _ultralytics_like_sgd(model: torch.nn.Module) -> torch.optim.SGD:
    """Ultralytics' three groups: decayed weights, BN weights, biases, with its nesterov momentum and tags."""
    decayed, bn, bias = [], [], []
    for module in model.modules():
        for name, p in module.named_parameters(recurse=False):
            (bias if name == "bias" else bn if isinstance(module, torch.nn.BatchNorm2d) else decayed).append(p)
    common = {"lr": 0.01, "momentum": 0.937, "nesterov": True}
    optimizer = torch.optim.SGD(params=[{"params": bias, **common, "param_group": "bias"}])
    optimizer.add_param_group({"params": decayed, **common, "weight_decay": 5e-4, "param_group": "weight"})
    optimizer.add_param_group({"params": bn, **common, "weight_decay": 0.0, "param_group": "bn"})
    return optimizer


def _train(model, optimizer, steps: int, inf_steps: set[int]) -> list[list[torch.Tensor]]:
    scaler = torch.amp.GradScaler("cpu", init_scale=2.0**10)
    gen = torch.Generator().manual_seed(1)
    history = []
    for step in range(steps):
        x = torch.randn(4, 3, 10, 10, generator=gen)
        loss = model(x).square().mean()
        scaler.scale(loss).backward()
        if step in inf_steps:  # an fp16 overflow, as in the first AMP steps
            next(model.parameters()).grad.view(-1)[0] = float("inf")
        scaler.unscale_(optimizer)  # Ultralytics unscales before clipping
        torch.nn.utils.clip_grad_norm_(model.parameters(), max_norm=10.0)
        scaler.step(optimizer)
        scaler.update()
        optimizer.zero_grad()
        history.append([p.detach().clone() for p in model.parameters()])
    return history


def test_keeps_every_group_option():
    stock = _ultralytics_like_sgd(_model())
    fused = fused_sgd_like(stock)
    assert fused.defaults["fused"] is True
    for before, after in zip(stock.param_groups, fused.param_groups):
        for key in ("lr", "momentum", "nesterov", "weight_decay", "dampening", "param_group"):
            assert after[key] == before[key], key
        assert after["params"] == before["params"]


@pytest.mark.parametrize("inf_steps", [set(), {0}, {0, 1, 2}, {0, 4}])
def test_trains_like_stock_sgd_through_skipped_steps(inf_steps):
    stock_model, fused_model = _model(), _model()
    stock = _train(stock_model, _ultralytics_like_sgd(stock_model), 8, inf_steps)
    fused = _train(fused_model, fused_sgd_like(_ultralytics_like_sgd(fused_model)), 8, inf_steps)
    for step, (a, b) in enumerate(zip(stock, fused)):
        for pa, pb in zip(a, b):
            torch.testing.assert_close(pb, pa, rtol=1e-6, atol=1e-7, msg=f"step {step}")
            assert torch.isfinite(pb).all()


def test_a_skipped_first_step_leaves_parameters_and_zero_momentum():
    model = _model()
    before = [p.detach().clone() for p in model.parameters()]
    optimizer = fused_sgd_like(_ultralytics_like_sgd(model))
    _train(model, optimizer, 1, {0})
    for p, old in zip(model.parameters(), before):
        assert torch.equal(p.detach(), old)
        assert torch.equal(optimizer.state[p]["momentum_buffer"], torch.zeros_like(p))


def test_refuses_what_it_cannot_stand_in_for():
    model = _model()
    with pytest.raises(TypeError, match="torch.optim.SGD"):
        fused_sgd_like(torch.optim.AdamW(model.parameters()))
    stock = _ultralytics_like_sgd(model)
    _train(model, stock, 1, set())
    with pytest.raises(ValueError, match="before its first step"):
        fused_sgd_like(stock)


def test_buffers_missing_from_a_loaded_state_are_zeroed():
    model = _model()
    optimizer = fused_sgd_like(_ultralytics_like_sgd(model))
    saved = _ultralytics_like_sgd(_model()).state_dict()  # saved before any real step: no buffers
    optimizer.load_state_dict(saved)
    assert all(not optimizer.state[p] for p in model.parameters())
    zero_missing_momentum_buffers(optimizer)
    assert all(torch.equal(optimizer.state[p]["momentum_buffer"], torch.zeros_like(p)) for p in model.parameters())
