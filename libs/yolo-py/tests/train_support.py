"""Training requests on the tiny dataset, and yolo_py.train run in this process, so a test can inject faults by
patching from outside (monkeypatch)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from yolo_py.request import TRAIN_REQUEST_ENV


TINY_HYPS = {"lr0": 0.01, "box": 7.5}


def write_request(tmp_path: Path, data_yaml: Path, variant: str, epochs: int = 2, **extra) -> Path:
    """A request for yolov10n at 64 px on the tiny dataset, batch 4, on the CPU; `extra` overrides any key."""
    request = {
        "variant": variant,
        "model": "yolov10n.yaml",
        "data": str(data_yaml),
        "save_dir": str(tmp_path / variant),
        "epochs": epochs,
        "batch": 4,
        "imgsz": 64,
        "seed": 0,
        "optimizer": "SGD",
        "amp": True,
        "close_mosaic": 1,
        "save_period": 1,
        "device": "cpu",
        "workers": 0,
        "cuda_graphs": True,
        "hyps": TINY_HYPS,
        "qat": {"weight_bit_width": 4, "per_channel": True, "narrow_range": True, "keep_float": ["*.dfl.conv"], "layers": []}
        if variant in ("qat", "qat-ft")
        else None,
        "resume_from": None,
        "collapse_watch": None,
        "val_head": "one2one",
        "distill": None,
        "fine_tune": None,
        **extra,
    }
    path = tmp_path / f"{variant}.request.json"
    path.write_text(json.dumps(request))
    return path


def train_here(monkeypatch: pytest.MonkeyPatch, request: Path, config_dir: Path) -> int:
    """yolo_py.train's main in this process; its environment changes are undone after the test."""
    from yolo_py import lifeline, train

    monkeypatch.setenv(TRAIN_REQUEST_ENV, str(request))
    monkeypatch.setenv(lifeline.LAUNCHER_PID_ENV, "0")
    monkeypatch.setattr(lifeline, "die_with_parent", lambda: None)  # not for pytest's own process
    return train.main([str(request), str(config_dir)])


def resume(request: Path, epochs: int | None = None) -> Path:
    """The request again, resuming from its weights/last.pt (as the stage writes it for a rerun)."""
    data = json.loads(request.read_text())
    data["resume_from"] = str(Path(data["save_dir"]) / "weights" / "last.pt")
    if epochs is not None:
        data["epochs"] = epochs
    request.write_text(json.dumps(data))
    return request


def results_epochs(save_dir: Path) -> list[int]:
    rows = (save_dir / "results.csv").read_text().strip().splitlines()[1:]
    return [int(float(row.split(",")[0])) for row in rows]


def run_json(save_dir: Path) -> dict:
    return json.loads((save_dir / "run.json").read_text())
