"""Which checkpoint a resumed training starts from: the requested last.pt when it loads whole and finite,
otherwise the newest other checkpoint of the run that does (best.pt, epochN.pt), said aloud with what it costs.

Checkpoints are written atomically (yolo_py.files), so a torn last.pt should not happen; a disk error, a
checkpoint written by an older version, or a copy interrupted by hand can still leave one. Days of training
must not end there: the run goes back to the newest usable checkpoint instead of failing or starting over.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
import torch

from yolo_py.finite import first_non_finite, named_tensors

_PERIODIC = re.compile(r"^epoch(\d+)\.pt$")


class UnusableCheckpoint(ValueError):
    """A checkpoint that cannot be resumed from: unreadable, not a training checkpoint, or not finite."""


@dataclass(frozen=True)
class Checkpoint:
    path: Path
    epoch: int  # 0-based epoch it was written after; -1: a finished run's stripped checkpoint


@dataclass(frozen=True)
class ResumeChoice:
    checkpoint: Checkpoint
    rejected: list[tuple[Path, str]] = field(default_factory=list)  # what was tried first, and why not


def inspect_checkpoint(path: Path) -> Checkpoint:
    """Loads `path` as a training checkpoint of either format and checks every stored number is finite."""
    try:
        payload = torch.load(path, map_location="cpu", weights_only=False)
    except FileNotFoundError:
        raise UnusableCheckpoint("missing") from None
    except Exception as error:  # a torn or foreign file fails in many ways (EOFError, RuntimeError, pickle...)
        raise UnusableCheckpoint(f"unreadable ({type(error).__name__}: {_first_line(error)})") from None
    if not isinstance(payload, dict):
        raise UnusableCheckpoint(f"not a training checkpoint (a {type(payload).__name__})")
    state = payload.get("extra", payload)  # the QAT format keeps the training state under 'extra'
    weights = next((payload[k] for k in ("state_dict", "ema", "model") if payload.get(k) is not None), None)
    if weights is None or not isinstance(state, dict) or "epoch" not in state:
        raise UnusableCheckpoint("not a training checkpoint (no weights or no epoch)")
    bad = first_non_finite([*named_tensors(weights, "weights"), *named_tensors(state.get("optimizer"), "optimizer")])
    if bad is not None:
        raise UnusableCheckpoint(f"holds non-finite values ({bad})")
    return Checkpoint(path, int(state["epoch"]))


def choose_resume_checkpoint(requested: Path) -> ResumeChoice:
    """`requested` if usable; else the usable one of the highest epoch among best.pt and epochN.pt beside it.

    Raises UnusableCheckpoint naming every file tried when none can be used.
    """
    rejected: list[tuple[Path, str]] = []
    try:
        return ResumeChoice(inspect_checkpoint(requested))
    except UnusableCheckpoint as error:
        rejected.append((requested, str(error)))
    usable: list[Checkpoint] = []
    for path in _fallbacks(requested):
        try:
            usable.append(inspect_checkpoint(path))
        except UnusableCheckpoint as error:
            rejected.append((path, str(error)))
            continue
        if _PERIODIC.match(path.name):
            break  # periodic checkpoints are tried newest first: older ones cannot beat this one
    if usable:
        return ResumeChoice(max(usable, key=lambda c: c.epoch), rejected)
    tried = "; ".join(f"{p.name}: {why}" for p, why in rejected)
    raise UnusableCheckpoint(
        f"no checkpoint in {requested.parent} can be resumed from ({tried}). Move the run folder aside to start over"
    )


def fallback_message(choice: ResumeChoice, epochs_completed: int | None) -> str:
    """The warning a fallback prints: what failed, where the run resumes, and how many epochs that costs."""
    failed = "; ".join(f"{p.name} {why}" for p, why in choice.rejected)
    resumed = choice.checkpoint.epoch + 1  # epochs the chosen checkpoint holds
    cost = ""
    if epochs_completed is not None and epochs_completed > resumed:
        lost = epochs_completed - resumed
        cost = f": epoch{'s' if lost > 1 else ''} {resumed + 1}{f'-{epochs_completed}' if lost > 1 else ''} ({lost}) will be trained again"
    return f"{failed}; resuming from {choice.checkpoint.path.name} (after epoch {resumed}){cost}"


def _fallbacks(requested: Path) -> list[Path]:
    folder = requested.parent
    periodic = sorted(
        (p for p in folder.glob("epoch*.pt") if _PERIODIC.match(p.name)),
        key=lambda p: int(_PERIODIC.match(p.name).group(1)),
        reverse=True,
    )
    best = folder / "best.pt"
    return [p for p in [best, *periodic] if p != requested and p.exists()]


def _first_line(error: Exception) -> str:
    text = str(error).strip()
    return text.splitlines()[0][:200] if text else "no message"

