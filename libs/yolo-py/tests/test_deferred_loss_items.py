"""The loop gets each batch's loss items one batch late, results.csv gets the exact epoch mean."""

import os

os.environ.setdefault("YOLO_OFFLINE", "true")
os.environ.setdefault("YOLO_AUTOINSTALL", "false")

from types import SimpleNamespace

import pytest
import torch

from yolo_py.cuda_graph import GraphedTraining
from yolo_py.deferred_loss_items import DeferredLossItems
from yolo_py.trainer import _exact_epoch_losses, _start_loss_items


def items(box: float, cls: float) -> dict[str, torch.Tensor]:
    return {"box_loss": torch.tensor(box), "cls_loss": torch.tensor(cls)}


def ultralytics_running_mean(batches: list[dict[str, float]]) -> dict[str, float]:
    """The mean Ultralytics' loop keeps over what it is handed: (mean * i + v) / (i + 1)."""
    mean: dict[str, float] | None = None
    for i, values in enumerate(batches):
        mean = dict(values) if mean is None else {k: (mean[k] * i + v) / (i + 1) for k, v in values.items()}
    return mean or {}


def test_the_loop_sees_the_previous_batch_and_the_first_batch_its_own():
    deferred = DeferredLossItems()
    seen = [deferred.step(items(b, 10 * b)) for b in (1.0, 2.0, 3.0)]
    assert all(isinstance(v, torch.Tensor) and v.device.type == "cpu" and v.dim() == 0 for s in seen for v in s.values())
    assert [{k: float(v) for k, v in s.items()} for s in seen] == [{"box_loss": 1.0, "cls_loss": 10.0}, {"box_loss": 1.0, "cls_loss": 10.0}, {"box_loss": 2.0, "cls_loss": 20.0}]


def test_the_epoch_mean_counts_every_batch_and_matches_ultralytics_to_its_five_decimals():
    torch.manual_seed(0)
    batches = [items(*torch.rand(2).tolist()) for _ in range(257)]
    deferred = DeferredLossItems()
    lagged = [{k: float(v) for k, v in deferred.step(b).items()} for b in batches]
    exact = ultralytics_running_mean([{k: float(v) for k, v in b.items()} for b in batches])
    mean = deferred.epoch_mean()
    assert mean is not None and mean.keys() == exact.keys()
    assert all(round(mean[k], 5) == pytest.approx(round(exact[k], 5), abs=1e-5) for k in exact)
    # What the loop alone would keep (the lagged mean) misses the last batch: the epoch-end callback must replace it.
    assert ultralytics_running_mean(lagged) != pytest.approx(exact, abs=1e-9)


def test_a_restarted_epoch_forgets_the_sum_and_reads_its_first_batch_at_once():
    deferred = DeferredLossItems()
    deferred.step(items(100.0, 100.0))
    deferred.start_epoch()
    assert deferred.epoch_mean() is None
    assert {k: float(v) for k, v in deferred.step(items(1.0, 2.0)).items()} == {"box_loss": 1.0, "cls_loss": 2.0}
    assert deferred.epoch_mean() == {"box_loss": 1.0, "cls_loss": 2.0}


def test_the_sum_does_not_alias_a_reused_buffer():
    # A graph's loss items live in buffers the next replay overwrites in place.
    deferred, buffer = DeferredLossItems(), torch.tensor([1.0, 2.0])
    deferred.step({"a": buffer[0], "b": buffer[1]})
    buffer.fill_(5.0)
    deferred.step({"a": buffer[0], "b": buffer[1]})
    assert deferred.epoch_mean() == {"a": 3.0, "b": 3.5}


def test_the_trainer_callbacks_reset_per_epoch_and_put_the_exact_mean_in_tloss():
    graphed = GraphedTraining(torch.nn.Linear(1, 1))
    trainer = SimpleNamespace(model=graphed, tloss={"box_loss": 9.0})
    _start_loss_items(trainer)
    for value in (1.0, 2.0, 6.0):
        graphed.loss_items.step(items(value, value))
    _exact_epoch_losses(trainer)
    assert trainer.tloss == {"box_loss": 3.0, "cls_loss": 3.0}
    eager = SimpleNamespace(model=torch.nn.Linear(1, 1), tloss={"box_loss": 9.0})
    _exact_epoch_losses(eager)  # no graphs: Ultralytics' own running mean stays
    assert eager.tloss == {"box_loss": 9.0}
