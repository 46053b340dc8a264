"""progress.json counts a training session when it starts, so a run stopped before its first epoch-end write
still shows every session it had."""

import os

os.environ.setdefault("YOLO_OFFLINE", "true")
os.environ.setdefault("YOLO_AUTOINSTALL", "false")

from types import SimpleNamespace

import torch

from yolo_py.progress import ProgressReporter, read_progress, write_progress


def fake_trainer(save_dir, start_epoch: int) -> SimpleNamespace:
    return SimpleNamespace(
        save_dir=save_dir,
        start_epoch=start_epoch,
        epochs=5,
        model=torch.nn.Linear(2, 3),
        device=torch.device("cpu"),
        amp=False,
        batch_size=4,
        world_size=0,
        quant_report=None,
        train_loader=SimpleNamespace(dataset=[0] * 12),
        events=SimpleNamespace(items=[]),
    )


def test_a_session_is_recorded_at_train_start(tmp_path):
    ProgressReporter("fp16").on_train_start(fake_trainer(tmp_path, start_epoch=0))
    first = read_progress(tmp_path)
    assert first["sessions"] == 1 and first["epochsCompleted"] == 0 and first["parameters"] == 9


def test_a_resumed_session_keeps_the_totals_and_adds_one(tmp_path):
    earlier = {"sessions": 1, "trainSeconds": 30.0, "imagesSeen": 24, "wallSeconds": 40.0, "epochSeconds": [15.0, 15.0]}
    # What the first session's epoch-end write holds besides the totals (progress.json's schema requires it all).
    written = {"epochsCompleted": 2, "amp": False, "batch": 4, "worldSize": 1, "deviceName": "cpu", "parameters": 10,
               "quantization": None, "peakGpuMemoryGiB": None}
    write_progress(tmp_path, {**earlier, **written})
    ProgressReporter("qat").on_train_start(fake_trainer(tmp_path, start_epoch=2))
    resumed = read_progress(tmp_path)
    assert resumed["sessions"] == 2 and resumed["epochsCompleted"] == 2
    assert resumed["trainSeconds"] == 30.0 and resumed["imagesSeen"] == 24 and resumed["epochSeconds"] == [15.0, 15.0]
    assert resumed["wallSeconds"] >= 40.0


def test_time_outside_the_loop_is_added_per_epoch_printed_and_kept_across_sessions(tmp_path, capsys):
    trainer = fake_trainer(tmp_path, start_epoch=0)
    trainer.out_of_loop = {"validationSeconds": 0.0, "checkpointSeconds": 0.0}
    reporter = ProgressReporter("fp16")
    reporter.on_train_start(trainer)
    for epoch, (validation, checkpoints) in enumerate([(2.5, 0.25), (3.0, 0.5)]):
        trainer.epoch, trainer.tloss, trainer.metrics = epoch, None, {}
        reporter.on_train_epoch_start(trainer)
        reporter.epoch_images = 12
        reporter.on_train_epoch_end(trainer)
        trainer.out_of_loop.update(validationSeconds=validation, checkpointSeconds=checkpoints)
        reporter.on_fit_epoch_end(trainer)
        assert trainer.out_of_loop == {"validationSeconds": 0.0, "checkpointSeconds": 0.0}  # counted once
    assert "3.0 s validation, 0.5 s checkpoints" in capsys.readouterr().out
    written = read_progress(tmp_path)
    assert (written["validationSeconds"], written["checkpointSeconds"]) == (5.5, 0.75)
    ProgressReporter("fp16").on_train_start(fake_trainer(tmp_path, start_epoch=2))
    assert read_progress(tmp_path)["validationSeconds"] == 5.5
