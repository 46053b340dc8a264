"""The trainer's optimizer step against Ultralytics' own (BaseTrainer.optimizer_step), side by side on CPU."""

from __future__ import annotations

import copy
from types import SimpleNamespace

import torch
from torch import nn
from ultralytics.models.yolo.detect import DetectionTrainer
from ultralytics.utils.torch_utils import ModelEMA

from yolo_py.optimizer_step import ParameterCache
from yolo_py.trainer import ExperimentTrainer


class CountingNet(nn.Module):
    """A small conv net that counts how often its parameters are walked."""

    def __init__(self) -> None:
        super().__init__()
        self.body = nn.Sequential(nn.Conv2d(3, 8, 3), nn.BatchNorm2d(8), nn.SiLU(), nn.Conv2d(8, 4, 1))
        self.walks = 0

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.body(x)

    def parameters(self, recurse: bool = True):
        self.walks += 1
        return super().parameters(recurse)


def _trainer_state(model: nn.Module) -> SimpleNamespace:
    optimizer = torch.optim.SGD(model.parameters(), lr=0.05, momentum=0.9, nesterov=True)
    return SimpleNamespace(
        model=model,
        optimizer=optimizer,
        scaler=torch.amp.GradScaler("cpu", init_scale=1024.0),
        ema=ModelEMA(model),
        device=torch.device("cpu"),
        clipped_parameters=ParameterCache(),
    )


def _train(step, state: SimpleNamespace, batches: list[torch.Tensor]) -> None:
    for x in batches:
        loss = state.model(x).square().mean() * 100  # gradients well over the clip norm: clipping decides the step
        state.scaler.scale(loss).backward()
        step(state)


def test_equals_ultralytics_step_for_step_and_walks_the_parameters_once():
    torch.manual_seed(0)
    batches = [torch.randn(2, 3, 12, 12) for _ in range(4)]
    model = CountingNet()
    theirs, ours = _trainer_state(model), _trainer_state(copy.deepcopy(model))
    theirs.model.walks = ours.model.walks = 0

    _train(DetectionTrainer.optimizer_step, theirs, batches)
    _train(ExperimentTrainer.optimizer_step, ours, batches)

    for (name, a), b in zip(theirs.model.state_dict().items(), ours.model.state_dict().values()):
        assert torch.equal(a, b), name
    for (name, a), b in zip(theirs.ema.ema.state_dict().items(), ours.ema.ema.state_dict().values()):
        assert torch.equal(a, b), f"ema {name}"
    assert theirs.model.walks == len(batches)  # Ultralytics walks the model at every step
    assert ours.model.walks == 1


def test_the_list_is_taken_again_for_another_model_object():
    cache = ParameterCache()
    first, second = CountingNet(), nn.Linear(2, 2)
    assert cache.of(first) == tuple(first.parameters())
    assert cache.of(first) is cache.of(first)
    assert cache.of(second) == tuple(second.parameters())  # e.g. the model wrapped for CUDA graphs or DDP
