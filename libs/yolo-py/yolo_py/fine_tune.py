"""The qat-ft variant's start: train-fp16's best.pt (its EMA weights) loaded into the freshly built float model, before
the trainer quantizes it with the QAT settings (ExperimentTrainer.get_model), so the fine-tune trains through the same
quantizer, checkpoints, resume and guards as QAT from scratch. Only a run's first session starts here; a resumed one
reads its own last.pt.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import torch

from yolo_py.files import pinned_file_problem


def start_problem(fine_tune: dict[str, Any]) -> str | None:
    """Why the request's FP16 checkpoint cannot start the fine-tune: missing, or not the file the request was built for
    (its sha256 is in the resume digest, so another file would train a recipe the digest does not name)."""
    expected = fine_tune["init_sha256"]
    return pinned_file_problem(
        fine_tune["init_from"],
        expected,
        missing="the FP16 checkpoint the fine-tune starts from is missing",
        changed=lambda digest: f"sha256 {digest} is not the request's init_sha256 {expected}: the FP16 model changed; run the target again",
    )


def fp16_start_state(fine_tune: dict[str, Any]) -> dict[str, torch.Tensor]:
    """The float32 state dict of the request's FP16 checkpoint (EMA weights, as Ultralytics loads them). yolo_py.train
    has checked the file against the request (start_problem) before any training process starts: not hashed again."""
    from ultralytics.nn.tasks import load_checkpoint

    model, _ = load_checkpoint(Path(fine_tune["init_from"]), device="cpu")
    return {name: tensor.detach().float() for name, tensor in model.state_dict().items()}


def load_start(model: torch.nn.Module, state: dict[str, torch.Tensor], source: str) -> None:
    """Every tensor of `state` into the float `model`, strictly: a fine-tune that silently kept random layers (another
    model YAML or class count) would look like a bad recipe instead of a bad start."""
    own = model.state_dict()
    missing = sorted(set(own) - set(state))
    extra = sorted(set(state) - set(own))
    resized = [k for k in own if k in state and own[k].shape != state[k].shape]
    if missing or extra or resized:
        problem = (f"missing {missing[:3]}" if missing else f"unexpected {extra[:3]}" if extra
                   else f"shape of {resized[0]}: {tuple(state[resized[0]].shape)} vs the model's {tuple(own[resized[0]].shape)}")
        raise ValueError(f"{source}: its weights do not fit the request's model ({problem}); train-fp16 and the fine-tune must share conf/train.yaml's model")
    model.load_state_dict(state, strict=True)
