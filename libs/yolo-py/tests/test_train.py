"""Training end to end on a tiny dataset, on the CPU: outputs, checkpoint names, QAT checkpoints, resume."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
import torch

from train_support import write_request

PACKAGE_ROOT = Path(__file__).resolve().parents[1]


def make_request(tmp_path: Path, data_yaml: Path, variant: str, epochs: int = 2, **extra) -> Path:
    return write_request(tmp_path, data_yaml, variant, epochs, **extra)


def run_train(request: Path, config_dir: Path) -> subprocess.CompletedProcess:
    # Ultralytics switches its loggers (TensorBoard too) off when it thinks pytest runs it: the training
    # subprocess must look like a real run, so the pytest marker variable is not passed on.
    env = {k: v for k, v in os.environ.items() if k != "PYTEST_CURRENT_TEST"}
    return subprocess.run(
        [sys.executable, "-m", "yolo_py.train", str(request), str(config_dir)],
        cwd=PACKAGE_ROOT,
        env={**env, "PYTHONPATH": str(PACKAGE_ROOT)},
        capture_output=True,
        text=True,
        timeout=600,
    )


@pytest.mark.parametrize("variant", ["fp16", "qat"])
def test_train_writes_outputs_with_one_based_checkpoints(tmp_path, tiny_dataset, yolo_config_dir, variant):
    result = run_train(make_request(tmp_path, tiny_dataset, variant), yolo_config_dir)
    assert result.returncode == 0, result.stderr[-3000:]
    save_dir = tmp_path / variant
    weights = sorted(p.name for p in (save_dir / "weights").iterdir())
    assert {"last.pt", "best.pt", "epoch1.pt", "epoch2.pt"} <= set(weights), weights
    assert "epoch0.pt" not in weights
    assert (save_dir / "results.csv").read_text().count("\n") == 3  # header + 2 epochs
    assert list(save_dir.glob("events.out.tfevents.*")), "TensorBoard event file missing"
    run = json.loads((save_dir / "run.json").read_text())
    assert run["epochsCompleted"] == 2 and run["amp"] is False and run["model"] == "yolov10n.yaml"
    assert run["imagesPerSecond"] > 0 and run["parameters"] > 2_000_000
    if variant == "qat":
        assert run["quantization"]["quantizedConvs"] > 50
        assert run["quantization"]["floatConvNames"] == ["model.23.dfl.conv"]
        payload = torch.load(save_dir / "weights" / "last.pt", weights_only=True)
        assert payload["format"] == "yolo_py.quant-checkpoint" and payload["extra"]["optimizer"] is None
        # The fast path trained it: layers taken over refuse a training forward on Brevitas' per-layer path.
        assert f"weight quantization batched over {run['quantization']['quantizedConvs']} layers" in result.stdout
    else:
        assert run["quantization"] is None
    assert f"[{variant}] epoch 2/2 done" in result.stdout


def test_resume_continues_from_last_checkpoint(tmp_path, tiny_dataset, yolo_config_dir):
    first = run_train(make_request(tmp_path, tiny_dataset, "qat", epochs=1), yolo_config_dir)
    assert first.returncode == 0, first.stderr[-3000:]
    save_dir = tmp_path / "qat"
    # Pretend the 1-epoch run was a 3-epoch run stopped after epoch 1: resume must start at epoch 2.
    last = save_dir / "weights" / "last.pt"
    resumed = run_train(make_request(tmp_path, tiny_dataset, "qat", epochs=3, resume_from=str(last)), yolo_config_dir)
    assert resumed.returncode == 0, resumed.stderr[-3000:]
    assert "training from epoch 2 to 3 epochs" in resumed.stdout
    assert "[qat] epoch 1/3" not in resumed.stdout
    rows = (save_dir / "results.csv").read_text().strip().splitlines()
    assert len(rows) == 1 + 3, rows  # epoch 1 from the first session kept, 2 and 3 appended
    run = json.loads((save_dir / "run.json").read_text())
    assert run["sessions"] == 2 and run["epochsCompleted"] == 3


@pytest.mark.parametrize("device", ["cuda", "0"])
def test_a_device_without_cuda_fails_before_training(tmp_path, tiny_dataset, yolo_config_dir, monkeypatch, device):
    from yolo_py.exit_codes import EXIT_DEVICE_UNAVAILABLE

    monkeypatch.setenv("CUDA_VISIBLE_DEVICES", "")  # the same on a GPU machine
    request = make_request(tmp_path, tiny_dataset, "fp16", device=device)
    result = run_train(request, yolo_config_dir)
    assert result.returncode == EXIT_DEVICE_UNAVAILABLE, result.stderr[-3000:]
    assert result.stderr.strip().splitlines()[-1] == f"this machine has no CUDA GPU (torch {torch.__version__} sees none)"
    assert not (tmp_path / "fp16").exists()  # no training work began
    assert json.loads(request.read_text())["device"] == device  # nothing resolved, nothing written back


class _Torch:
    """What _device_problem reads of torch, for a machine with `gpus` CUDA GPUs."""

    __version__ = "2.x"

    def __init__(self, gpus: int) -> None:
        self.cuda = type("cuda", (), {"is_available": staticmethod(lambda: gpus > 0), "device_count": staticmethod(lambda: gpus)})


@pytest.mark.parametrize(
    ("device", "gpus", "problem"),
    [
        ("cuda", 0, "this machine has no CUDA GPU (torch 2.x sees none)"),
        ("0", 0, "this machine has no CUDA GPU (torch 2.x sees none)"),
        ("0,2", 2, "this machine has no GPU 2 (torch 2.x sees 2 CUDA GPU(s): 0..1)"),
        ("cuda", 1, None),
        ("0,1", 2, None),
        ("auto", 0, None),
        ("cpu", 0, None),
        ("mps", 0, None),
    ],
)
def test_device_problem_says_what_this_machine_lacks(device, gpus, problem):
    from yolo_py.train import _device_problem

    assert _device_problem(device, _Torch(gpus)) == problem


def test_resume_drops_results_rows_past_the_checkpoint(tmp_path):
    from yolo_py.trainer import truncate_results

    csv = tmp_path / "results.csv"
    csv.write_text("epoch,time\n1,10\n2,20\n3,30\n")
    truncate_results(csv, last_epoch=2)
    assert csv.read_text() == "epoch,time\n1,10\n2,20\n"
    truncate_results(csv, last_epoch=5)
    assert csv.read_text() == "epoch,time\n1,10\n2,20\n"


def test_a_finished_run_is_not_trained_again_and_keeps_its_results(tmp_path, tiny_dataset, yolo_config_dir):
    """Killed after training finished but before run.json: the rerun writes run.json and keeps results.csv."""
    first = run_train(make_request(tmp_path, tiny_dataset, "fp16", epochs=1), yolo_config_dir)
    assert first.returncode == 0, first.stderr[-3000:]
    save_dir = tmp_path / "fp16"
    (save_dir / "run.json").unlink()
    rows = (save_dir / "results.csv").read_text()
    last = save_dir / "weights" / "last.pt"
    again = run_train(make_request(tmp_path, tiny_dataset, "fp16", epochs=1, resume_from=str(last)), yolo_config_dir)
    assert again.returncode == 0, again.stderr[-3000:]
    assert "is the finished run's checkpoint" in again.stdout
    assert (save_dir / "results.csv").read_text() == rows
    assert json.loads((save_dir / "run.json").read_text())["epochsCompleted"] == 1
