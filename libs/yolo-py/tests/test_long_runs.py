"""Long runs never lose work: NaN recovery for both variants, no non-finite or torn checkpoint, resume from the
newest usable checkpoint, an OOM that recaptures CUDA graphs. Faults are injected from here, by patching."""

from __future__ import annotations

import json
import pathlib
import shutil

import pytest
import torch

from train_support import TINY_HYPS, results_epochs, resume, run_json, train_here
from train_support import write_request as tiny_request
from yolo_py.exit_codes import EXIT_BAD_INPUT, EXIT_DIVERGED
from yolo_py.resume_point import UnusableCheckpoint, inspect_checkpoint
from yolo_py.trainer import ExperimentTrainer


class SimulatedKill(BaseException):
    """Stands for the process dying (kill -9, power loss): nothing after it runs."""


def die_after_checkpoint(monkeypatch, epoch: int) -> None:
    """The process 'dies' right after the checkpoint of 1-based `epoch` is written."""
    real_save = ExperimentTrainer.save_model

    def save(self):
        real_save(self)
        if self.epoch + 1 == epoch:
            raise SimulatedKill(f"after epoch {epoch}'s checkpoint")

    monkeypatch.setattr(ExperimentTrainer, "save_model", save)


def write_request(tmp_path, data_yaml, variant: str, epochs: int, **extra):
    # One optimizer step per batch from the first (no accumulation, no warm-up), so a fault injected into an
    # epoch's first step lands in that epoch.
    hyps = {**TINY_HYPS, "nbs": 4, "warmup_epochs": 0}
    return tiny_request(tmp_path, data_yaml, variant, epochs, hyps=hyps, close_mosaic=0, **extra)


def killed_after_checkpoint(monkeypatch, request, config_dir, epoch: int) -> None:
    """Trains until the checkpoint of 1-based `epoch` is written, then the process 'dies'."""
    with monkeypatch.context() as patch:
        die_after_checkpoint(patch, epoch)
        with pytest.raises(SimulatedKill):
            train_here(patch, request, config_dir)


def poison_weights_at(monkeypatch, epoch: int, times: int = 1) -> list[int]:
    """After the first optimizer step of 0-based `epoch`, a weight of the trained model becomes NaN (`times` times)."""
    injected: list[int] = []
    real_step = ExperimentTrainer.optimizer_step

    def step(self):
        real_step(self)
        if self.epoch == epoch and len(injected) < times:
            injected.append(self.epoch)
            with torch.no_grad():
                weight = next(p for p in self.model.parameters() if p.dim() == 4)
                weight[(0,) * weight.dim()] = float("nan")

    monkeypatch.setattr(ExperimentTrainer, "optimizer_step", step)
    return injected


def assert_every_checkpoint_finite(save_dir: pathlib.Path) -> None:
    checkpoints = sorted((save_dir / "weights").glob("*.pt"))
    assert checkpoints
    for path in checkpoints:
        inspect_checkpoint(path)  # raises on unreadable or non-finite


def events(save_dir: pathlib.Path, kind: str) -> list[dict]:
    return [e for e in run_json(save_dir).get("events", []) if e["kind"] == kind]


@pytest.mark.parametrize("variant", ["qat", "fp16"])
def test_a_nan_mid_run_redoes_the_epoch_from_last_pt_for_both_variants(tmp_path, tiny_dataset, yolo_config_dir, monkeypatch, variant):
    injected = poison_weights_at(monkeypatch, epoch=1)
    request = write_request(tmp_path, tiny_dataset, variant, epochs=3)
    assert train_here(monkeypatch, request, yolo_config_dir) == 0
    save_dir = tmp_path / variant
    assert injected == [1]
    (recovery,) = events(save_dir, "nanRecovery")
    assert recovery["epoch"] == 2 and "last.pt" in recovery["message"]
    assert results_epochs(save_dir) == [1, 2, 3]
    assert_every_checkpoint_finite(save_dir)
    if variant == "qat":  # the oscillation column rides along every QAT epoch
        header, *rows = (save_dir / "results.csv").read_text().strip().splitlines()
        at = header.split(",").index("qat/code_change")
        assert all(0.0 <= float(r.split(",")[at]) <= 1.0 for r in rows)


@pytest.mark.parametrize("variant", ["qat", "fp16"])
def test_a_nan_in_the_first_epoch_of_a_resumed_session_recovers_and_never_reaches_a_checkpoint(
    tmp_path, tiny_dataset, yolo_config_dir, monkeypatch, variant
):
    """Ultralytics declines recovery in a session's first epoch; the QAT save then wrote the NaN EMA to last.pt."""
    request = write_request(tmp_path, tiny_dataset, variant, epochs=2)
    killed_after_checkpoint(monkeypatch, request, yolo_config_dir, epoch=1)
    save_dir = tmp_path / variant
    poison_weights_at(monkeypatch, epoch=1)
    assert train_here(monkeypatch, resume(request), yolo_config_dir) == 0
    (recovery,) = events(save_dir, "nanRecovery")
    assert recovery["epoch"] == 2
    assert results_epochs(save_dir) == [1, 2]
    assert_every_checkpoint_finite(save_dir)


def test_non_finite_weights_before_any_checkpoint_stop_the_run_and_write_nothing(tmp_path, tiny_dataset, yolo_config_dir, monkeypatch, capsys):
    poison_weights_at(monkeypatch, epoch=0)
    request = write_request(tmp_path, tiny_dataset, "qat", epochs=2)
    assert train_here(monkeypatch, request, yolo_config_dir) == EXIT_DIVERGED
    assert "before any checkpoint" in capsys.readouterr().err
    assert not list((tmp_path / "qat" / "weights").glob("*.pt"))


def test_a_nan_that_persists_gives_up_after_three_recoveries(tmp_path, tiny_dataset, yolo_config_dir, monkeypatch, capsys):
    poison_weights_at(monkeypatch, epoch=1, times=10)
    request = write_request(tmp_path, tiny_dataset, "qat", epochs=3)
    assert train_here(monkeypatch, request, yolo_config_dir) == EXIT_DIVERGED
    assert "after 3 recoveries" in capsys.readouterr().err
    assert_every_checkpoint_finite(tmp_path / "qat")


def die_while_writing(monkeypatch, variant: str, at_write: int) -> None:
    """The `at_write`-th write of last.pt puts half its bytes on disk, then the process 'dies'."""
    count = [0]

    def half_then_die(path: pathlib.Path, data: bytes) -> None:
        count[0] += "last.pt" in path.name
        if count[0] == at_write and "last.pt" in path.name:
            with open(path, "wb") as f:
                f.write(data[: len(data) // 2])
            raise SimulatedKill(str(path))
        with open(path, "wb") as f:
            f.write(data)

    if variant == "fp16":  # Ultralytics serialises to bytes, then Path.write_bytes
        monkeypatch.setattr(pathlib.Path, "write_bytes", lambda self, data: half_then_die(self, data) or len(data))
    else:  # the QAT format goes through torch.save
        import io

        real_save = torch.save

        def save(payload, path):
            if not isinstance(path, (str, pathlib.Path)):
                return real_save(payload, path)
            buffer = io.BytesIO()
            real_save(payload, buffer)
            half_then_die(pathlib.Path(path), buffer.getvalue())

        monkeypatch.setattr(torch, "save", save)


@pytest.mark.parametrize("variant", ["fp16", "qat"])
def test_dying_while_writing_a_checkpoint_leaves_the_previous_one_whole(tmp_path, tiny_dataset, yolo_config_dir, monkeypatch, variant):
    request = write_request(tmp_path, tiny_dataset, variant, epochs=3)
    save_dir = tmp_path / variant
    with monkeypatch.context() as patch:
        die_while_writing(patch, variant, at_write=2)  # epoch 1's checkpoint is written whole, epoch 2's is torn
        with pytest.raises(SimulatedKill):
            train_here(patch, request, yolo_config_dir)
    assert_every_checkpoint_finite(save_dir)
    assert inspect_checkpoint(save_dir / "weights" / "last.pt").epoch == 0  # epoch 1's
    assert train_here(monkeypatch, resume(request), yolo_config_dir) == 0
    assert results_epochs(save_dir) == [1, 2, 3]
    assert not [p for p in (save_dir / "weights").iterdir() if p.name.startswith(".")], "temporary files left behind"
    assert_every_checkpoint_finite(save_dir)


def tear(path: pathlib.Path) -> None:
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 3])


def test_a_torn_last_pt_resumes_from_the_newest_checkpoint_that_loads_and_says_what_it_costs(tmp_path, tiny_dataset, yolo_config_dir, monkeypatch):
    request = write_request(tmp_path, tiny_dataset, "qat", epochs=3, save_period=2)
    assert train_here(monkeypatch, request, yolo_config_dir) == 0
    save_dir = tmp_path / "qat"
    (save_dir / "run.json").unlink()
    tear(save_dir / "weights" / "last.pt")
    tear(save_dir / "weights" / "best.pt")
    assert train_here(monkeypatch, resume(request, epochs=4), yolo_config_dir) == 0
    (fallback,) = events(save_dir, "checkpointFallback")
    assert fallback["epoch"] == 2
    assert "last.pt unreadable" in fallback["message"] and "resuming from epoch2.pt (after epoch 2)" in fallback["message"]
    assert "epoch 3 (1) will be trained again" in fallback["message"]
    assert results_epochs(save_dir) == [1, 2, 3, 4]
    assert_every_checkpoint_finite(save_dir)


def test_with_no_usable_checkpoint_the_resume_fails_naming_every_file(tmp_path, tiny_dataset, yolo_config_dir, monkeypatch, capsys):
    request = write_request(tmp_path, tiny_dataset, "fp16", epochs=1)
    assert train_here(monkeypatch, request, yolo_config_dir) == 0
    save_dir = tmp_path / "fp16"
    (save_dir / "run.json").unlink()
    for path in (save_dir / "weights").glob("*.pt"):
        tear(path)
    assert train_here(monkeypatch, resume(request, epochs=2), yolo_config_dir) == EXIT_BAD_INPUT
    error = capsys.readouterr().err
    assert "cannot resume" in error and all(name in error for name in ("last.pt", "best.pt", "epoch1.pt"))


class CpuCapture:
    """Stands in for CapturedModelPass on the CPU: remembers the batch shape it was 'captured' for."""

    def __init__(self, model, images) -> None:
        self.model, self.shape = model, tuple(images.shape)

    def accepts(self, images) -> bool:
        return tuple(images.shape) == self.shape

    def __call__(self, images):
        return self.model(images)


def test_an_oom_in_the_first_epoch_captures_the_graphs_again_at_the_halved_batch(tmp_path, tiny_dataset, yolo_config_dir, monkeypatch):
    from yolo_py import cuda_graph, trainer

    captures: list[tuple] = []

    def capture(model, images):
        captures.append(tuple(images.shape))
        return CpuCapture(model, images)

    monkeypatch.setattr(trainer, "should_graph", lambda *args, **kwargs: (True, ""))
    monkeypatch.setattr(cuda_graph, "_capture", capture)
    calls = [0]
    real_forward = cuda_graph.GraphedTraining.forward

    def forward(self, batch, *args, **kwargs):
        if isinstance(batch, dict) and self.training and torch.is_grad_enabled():
            calls[0] += 1
            if calls[0] == 2:  # after the capture at batch 4 and one replay
                raise torch.OutOfMemoryError("CUDA out of memory. Tried to allocate 2.00 GiB (injected by the test)")
        return real_forward(self, batch, *args, **kwargs)

    monkeypatch.setattr(cuda_graph.GraphedTraining, "forward", forward)
    request = write_request(tmp_path, tiny_dataset, "fp16", epochs=2)
    assert train_here(monkeypatch, request, yolo_config_dir) == 0
    save_dir = tmp_path / "fp16"
    assert [shape[0] for shape in captures] == [4, 2]
    run = run_json(save_dir)
    assert run["batch"] == 2 and run["batchRequested"] == 4
    (reduced,) = events(save_dir, "batchReduced")
    assert reduced["epoch"] == 1 and "batch 4" in reduced["message"] and "captured again" in reduced["message"]


def test_stale_temporary_files_of_a_killed_write_are_removed_when_the_run_resumes(tmp_path, tiny_dataset, yolo_config_dir, monkeypatch):
    request = write_request(tmp_path, tiny_dataset, "fp16", epochs=1)
    assert train_here(monkeypatch, request, yolo_config_dir) == 0
    save_dir = tmp_path / "fp16"
    (save_dir / "run.json").unlink()
    stale = save_dir / "weights" / ".last.pt.12345.tmp"
    stale.write_bytes(b"half a checkpoint")
    assert train_here(monkeypatch, resume(request, epochs=2), yolo_config_dir) == 0
    assert not stale.exists()


@pytest.mark.parametrize("variant", ["fp16", "qat"])
def test_a_run_stopped_before_its_final_validation_finishes_it_instead_of_skipping_it(tmp_path, tiny_dataset, yolo_config_dir, monkeypatch, variant):
    """Killed between the last epoch's checkpoint and the final validation of best.pt (minutes on COCO)."""
    request = write_request(tmp_path, tiny_dataset, variant, epochs=2)
    killed_after_checkpoint(monkeypatch, request, yolo_config_dir, epoch=2)
    save_dir = tmp_path / variant
    assert not (save_dir / "run.json").exists()
    assert train_here(monkeypatch, resume(request), yolo_config_dir) == 0
    run = run_json(save_dir)
    assert "metrics/mAP50-95(B)" in run["finalMetrics"] and run["sessions"] == 2 and run["epochsCompleted"] == 2
    assert results_epochs(save_dir) == [1, 2]
    payload = torch.load(save_dir / "weights" / "last.pt", map_location="cpu", weights_only=False)
    if variant == "qat":
        assert payload["extra"]["optimizer"] is None  # the finished run's checkpoints keep no optimizer state
    else:
        assert payload["epoch"] == -1 and payload["optimizer"] is None  # Ultralytics' final strip


class StopAtTrainingStart(BaseException):
    """Ends a resumed session right after its state is restored, before its first batch."""


def training_state(trainer) -> dict:
    """What a resumed session must continue from: the EMA (the weights it resumes with and validates), the optimizer's
    momentum and hyperparameters, the EMA's update count and the scheduler's epoch."""
    return {
        "ema": {k: v.detach().float().clone() for k, v in trainer.ema.ema.state_dict().items() if v.is_floating_point()},
        "momentum": {k: s["momentum_buffer"].detach().float().clone() for k, s in trainer.optimizer.state_dict()["state"].items()
                     if s.get("momentum_buffer") is not None},
        "groups": [{k: v for k, v in g.items() if k not in ("params", "fused", "foreach")} for g in trainer.optimizer.param_groups],
        "updates": trainer.ema.updates,
        "scheduler_epoch": trainer.scheduler.last_epoch,
    }


@pytest.mark.parametrize("variant", ["qat", "fp16"])
def test_a_resumed_session_continues_from_the_state_the_checkpoint_was_written_in(tmp_path, tiny_dataset, yolo_config_dir, monkeypatch, variant):
    """EMA, momentum, learning rates, EMA update count and schedule position equal those at the checkpoint's write: QAT
    exactly (its format keeps float32), FP16 as rounded to float16 and nothing more (Ultralytics' format stores the EMA
    and the optimizer state in half precision)."""
    request = write_request(tmp_path, tiny_dataset, variant, epochs=3)
    states, real_save, real_setup = {}, ExperimentTrainer.save_model, ExperimentTrainer._setup_train

    def save(self):
        real_save(self)
        if self.epoch + 1 == 2:
            states["written"] = training_state(self)
            shutil.copy(pathlib.Path(self.save_dir) / "weights" / "last.pt", tmp_path / "epoch2-last.pt")

    monkeypatch.setattr(ExperimentTrainer, "save_model", save)
    assert train_here(monkeypatch, request, yolo_config_dir) == 0

    def setup_then_stop(self):
        real_setup(self)
        states["resumed"] = training_state(self)
        raise StopAtTrainingStart()

    body = json.loads(request.read_text())
    request.write_text(json.dumps({**body, "save_dir": str(tmp_path / "resumed"), "resume_from": str(tmp_path / "epoch2-last.pt")}))
    monkeypatch.setattr(ExperimentTrainer, "save_model", real_save)
    monkeypatch.setattr(ExperimentTrainer, "_setup_train", setup_then_stop)
    with pytest.raises(StopAtTrainingStart):
        train_here(monkeypatch, request, yolo_config_dir)

    written, resumed = states["written"], states["resumed"]
    assert resumed["groups"] == written["groups"]
    assert (resumed["updates"], resumed["scheduler_epoch"]) == (written["updates"], written["scheduler_epoch"])
    stored = (lambda t: t) if variant == "qat" else (lambda t: t.half().float())
    for part in ("ema", "momentum"):
        assert resumed[part].keys() == written[part].keys()
        different = [k for k, v in written[part].items() if not torch.equal(resumed[part][k], stored(v))]
        assert not different, f"{part}: {different[:5]}"
