"""The training request: everything a training run needs, written by the TypeScript stage as JSON.

It travels by file path in the environment (TRAIN_REQUEST_ENV), not in Ultralytics' args, because
Ultralytics validates args against its own schema and DDP rebuilds each rank's trainer from those args
alone: an environment variable is what survives into every rank.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from yolo_py.json_schema import read_checked
from yolo_py.variants import FINE_TUNE_VARIANT, QUANTIZED_VARIANTS, VARIANTS

TRAIN_REQUEST_ENV = "YOLO_PY_TRAIN_REQUEST"


@dataclass(frozen=True)
class TrainRequest:
    variant: str
    model: str  # Ultralytics model YAML name, e.g. yolov10m.yaml
    data: str  # data.yaml written by the dataset stage
    save_dir: str  # in-progress folder (Ultralytics' save_dir)
    epochs: int
    batch: int
    imgsz: int
    seed: int
    optimizer: str
    amp: bool
    close_mosaic: int
    save_period: int
    device: str
    workers: int
    # Replay the model's forward and backward as CUDA graphs where it applies (yolo_py/cuda_graph.py): how the
    # step runs, not what it computes, so it is not part of the recipe.
    cuda_graphs: bool
    hyps: dict[str, float]
    qat: dict[str, Any] | None
    resume_from: str | None
    # The collapse watch (yolo_py/collapse_watch.py: drop_fraction, epochs, min_best), for QAT runs; a warning,
    # never a change to the weights, so it is not part of the recipe either.
    collapse_watch: dict[str, Any] | None
    # The head validation measures (results.csv, best.pt's fitness, final metrics): "one2one", YOLOv10's NMS-free
    # head that the export ships, or "one2many-nms". Part of the recipe: it picks best.pt.
    val_head: str
    # Distillation from the FP16 teacher (yolo_py/distill.py: teacher, teacher_sha256, weight, temperature), QAT
    # variants only; part of the recipe, the teacher's sha256 included: a resumed run keeps the teacher it started with.
    distill: dict[str, Any] | None
    # The qat-ft variant's start (init_from: train-fp16's best.pt, init_sha256: that file's, part of the recipe) and
    # lr0's factor; it trains with warmup off (ultralytics_overrides). See yolo_py/fine_tune.py. None for the others.
    fine_tune: dict[str, Any] | None

    def __post_init__(self) -> None:
        if self.variant not in VARIANTS:
            raise ValueError(f"request 'variant' must be one of {VARIANTS}, got {self.variant!r}")
        if (self.variant in QUANTIZED_VARIANTS) != (self.qat is not None):
            raise ValueError(f"request 'qat' settings must be given exactly when variant is one of {QUANTIZED_VARIANTS}")
        if self.distill is not None and self.qat is None:
            raise ValueError("request 'distill' is for a QAT training: the FP16 model is the teacher")
        if (self.variant == FINE_TUNE_VARIANT) != (self.fine_tune is not None):
            raise ValueError(f"request 'fine_tune' must be given exactly when variant is {FINE_TUNE_VARIANT!r}")

    @classmethod
    def from_file(cls, path: str | Path) -> TrainRequest:
        """The request at `path`, checked against contracts/train_request.schema.json (the TypeScript zod schema)."""
        return cls(**read_checked(path, "train_request.schema.json"))

    @classmethod
    def from_env(cls) -> TrainRequest:
        path = os.environ.get(TRAIN_REQUEST_ENV)
        if not path:
            raise RuntimeError(f"{TRAIN_REQUEST_ENV} is not set: the trainer is started by yolo_py.train")
        return cls.from_file(path)

    def ultralytics_overrides(self) -> dict[str, Any]:
        """Ultralytics train args: the hyps stage's values plus the recipe. Periodic saving is ours (1-based names)."""
        return {
            **self.hyps,
            "model": self.model,
            "data": self.data,
            "epochs": self.epochs,
            "batch": self.batch,
            "imgsz": self.imgsz,
            "seed": self.seed,
            "deterministic": True,
            "optimizer": self.optimizer,
            "amp": self.amp,
            "close_mosaic": self.close_mosaic,
            "save_period": -1,
            "device": self.device,
            "workers": self.workers,
            "pretrained": False,
            "save_dir": self.save_dir,
            "exist_ok": True,
            "plots": True,
            "val": True,
            # Ultralytics' validator runs a YOLOv10 one-to-one (end2end) only when nms is False; unset, it runs the
            # one-to-many head with NMS, a head the product never exports.
            "nms": self.val_head != "one2one",
            "verbose": True,
            "patience": 0,  # the experiment trains its whole schedule: no early stopping
            **self._fine_tune_overrides(),
        }

    def _fine_tune_overrides(self) -> dict[str, Any]:
        """A fine-tune starts from trained weights: lr0 scaled down, and no warmup (its bias lr starts at
        warmup_bias_lr, 10x lr0, which would first pull the trained head's biases away)."""
        if self.fine_tune is None:
            return {}
        if "lr0" not in self.hyps:
            raise ValueError("request 'hyps' has no lr0 for the fine-tune's lr_scale to scale")
        return {"lr0": self.hyps["lr0"] * self.fine_tune["lr_scale"], "warmup_epochs": 0.0}
