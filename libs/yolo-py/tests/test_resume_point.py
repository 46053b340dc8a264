"""Which checkpoint a resume starts from, on small checkpoint files of both formats (no training)."""

from __future__ import annotations

from pathlib import Path

import pytest
import torch
from torch import nn

from yolo_py.resume_point import UnusableCheckpoint, choose_resume_checkpoint, fallback_message, inspect_checkpoint


def ultralytics_style(path: Path, epoch: int, poison: bool = False) -> None:
    ema = nn.Linear(3, 2)
    if poison:
        with torch.no_grad():
            ema.weight[0, 0] = float("inf")
    torch.save({"epoch": epoch, "ema": ema, "optimizer": {"state": {0: {"momentum_buffer": torch.zeros(2)}}}}, path)


def quant_style(path: Path, epoch: int) -> None:
    torch.save({"format": "yolo_py.quant-checkpoint", "state_dict": {"w": torch.ones(2)}, "extra": {"epoch": epoch, "optimizer": None}}, path)


def tear(path: Path) -> None:
    path.write_bytes(path.read_bytes()[:40])


def test_a_whole_finite_last_pt_is_used_as_asked(tmp_path):
    ultralytics_style(tmp_path / "last.pt", 6)
    ultralytics_style(tmp_path / "epoch5.pt", 4)
    choice = choose_resume_checkpoint(tmp_path / "last.pt")
    assert choice.checkpoint.path.name == "last.pt" and choice.checkpoint.epoch == 6 and choice.rejected == []


def test_a_torn_last_pt_falls_back_to_the_newest_usable_of_best_and_the_periodic_ones(tmp_path):
    quant_style(tmp_path / "last.pt", 12)
    quant_style(tmp_path / "best.pt", 7)
    quant_style(tmp_path / "epoch10.pt", 9)
    quant_style(tmp_path / "epoch5.pt", 4)
    tear(tmp_path / "last.pt")
    choice = choose_resume_checkpoint(tmp_path / "last.pt")
    assert choice.checkpoint.path.name == "epoch10.pt"
    assert [(p.name, why.split(" ")[0]) for p, why in choice.rejected] == [("last.pt", "unreadable")]
    message = fallback_message(choice, epochs_completed=13)
    assert message.startswith("last.pt unreadable (")
    assert message.endswith("resuming from epoch10.pt (after epoch 10): epochs 11-13 (3) will be trained again")


def test_a_non_finite_checkpoint_is_never_resumed_from(tmp_path):
    ultralytics_style(tmp_path / "last.pt", 3, poison=True)
    ultralytics_style(tmp_path / "best.pt", 1)
    choice = choose_resume_checkpoint(tmp_path / "last.pt")
    assert choice.checkpoint.path.name == "best.pt"
    assert "non-finite values (weights.weight)" in choice.rejected[0][1]
    assert fallback_message(choice, epochs_completed=4).endswith("epochs 3-4 (2) will be trained again")


def test_a_missing_last_pt_uses_the_periodic_checkpoint(tmp_path):
    ultralytics_style(tmp_path / "epoch5.pt", 4)
    choice = choose_resume_checkpoint(tmp_path / "last.pt")
    assert choice.checkpoint.path.name == "epoch5.pt" and choice.rejected[0][1] == "missing"


def test_nothing_usable_is_an_error_naming_every_file(tmp_path):
    for name in ("last.pt", "best.pt", "epoch5.pt"):
        quant_style(tmp_path / name, 4)
        tear(tmp_path / name)
    (tmp_path / "notes.pt").write_text("not a checkpoint")
    with pytest.raises(UnusableCheckpoint, match=r"last\.pt: unreadable.*best\.pt: unreadable.*epoch5\.pt: unreadable.*Move the run folder aside"):
        choose_resume_checkpoint(tmp_path / "last.pt")


def test_something_that_is_not_a_training_checkpoint_is_refused(tmp_path):
    torch.save({"weights": torch.ones(1)}, tmp_path / "x.pt")
    with pytest.raises(UnusableCheckpoint, match="not a training checkpoint"):
        inspect_checkpoint(tmp_path / "x.pt")
