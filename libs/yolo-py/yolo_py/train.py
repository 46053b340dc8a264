"""Entry point of the training stages: python -m yolo_py.train <request.json> <yolo-config-dir>

Prints progress lines the TypeScript stage forwards to Nx, and on success writes run.json into the request's
save_dir. Exit codes (exit_codes.json): 0 done, badInput (a bad request or input, no usable checkpoint to resume
from), deviceUnavailable (the machine lacks the device asked for), outOfMemory, diverged (non-finite numbers it
could not recover from); others: a crash. The message is on stderr.
"""

from __future__ import annotations

import os
import platform
import sys
from dataclasses import asdict, dataclass, replace
from pathlib import Path

from yolo_py import lifeline, offline
from yolo_py.artifact_keys import camel_keys
from yolo_py.exit_codes import EXIT_BAD_INPUT, EXIT_DEVICE_UNAVAILABLE, EXIT_DIVERGED, EXIT_OUT_OF_MEMORY
from yolo_py.files import remove_stale_temps, write_json
from yolo_py.json_schema import check
from yolo_py.layout import RUN_JSON
from yolo_py.request import TRAIN_REQUEST_ENV, TrainRequest


def main(argv: list[str]) -> int:
    if len(argv) != 2:
        print("usage: python -m yolo_py.train <request.json> <yolo-config-dir>", file=sys.stderr)
        return EXIT_BAD_INPUT
    request_path, config_dir = Path(argv[0]).resolve(), Path(argv[1]).resolve()
    lifeline.die_with_parent()
    lifeline.mark_launcher()
    os.environ[TRAIN_REQUEST_ENV] = str(request_path)  # survives into DDP ranks
    offline.configure(config_dir)
    try:
        request = TrainRequest.from_file(request_path)
    except (ValueError, TypeError) as error:
        print(f"bad training request: {error}", file=sys.stderr)
        return EXIT_BAD_INPUT

    if request.distill is not None:  # before any training work, not in every DDP rank's setup
        from yolo_py.distill import DistillSettings, teacher_problem

        try:
            problem = teacher_problem(DistillSettings.from_request(request.distill))
        except (TypeError, ValueError) as error:
            problem = f"bad training request: {error}"
        if problem:
            print(problem, file=sys.stderr)
            return EXIT_BAD_INPUT

    import torch

    problem = _device_problem(request.device, torch)
    if problem:  # before any training work: a run meant for a GPU never falls back to hours on the CPU
        print(problem, file=sys.stderr)
        return EXIT_DEVICE_UNAVAILABLE
    if request.device in {"auto", "cuda"}:  # resolved here, where torch knows what this machine has
        request = replace(request, device="0" if torch.cuda.is_available() else "cpu")
        write_json(request_path, asdict(request))

    offline.apply_settings()
    save_dir = Path(request.save_dir)
    for folder in (save_dir, save_dir / "weights"):  # this process owns them (the stage holds the run's lock)
        for stale in remove_stale_temps(folder):
            print(f"[{request.variant}] removed {stale.name}, left by a write that was killed", flush=True)
    if request.fine_tune is not None and not request.resume_from:  # a resumed fine-tune reads its own last.pt only
        from yolo_py.fine_tune import start_problem

        problem = start_problem(request.fine_tune)
        if problem:
            print(f"cannot start the fine-tune: {problem}", file=sys.stderr)
            return EXIT_BAD_INPUT
    resume = _resume_point(request, request_path) if request.resume_from else _ResumePoint(request)
    if isinstance(resume, int):
        return resume
    request, fallback, finished = resume.request, resume.fallback, resume.finished
    if finished and resume.validated:
        # Training and its final validation completed, but the process ended before run.json: nothing to resume.
        print(f"[{request.variant}] {request.resume_from} is the finished run's checkpoint: writing run.json only", flush=True)
        _write_run_json(request)
        return 0
    from yolo_py.progress import ProgressReporter
    from yolo_py.trainer import ExperimentTrainer, TrainingDiverged

    trainer = ExperimentTrainer()
    if fallback is not None:
        trainer.events.record("checkpointFallback", *fallback)
    reporter = ProgressReporter(request.variant)
    reporter.attach(trainer)
    if finished:  # stopped between the last epoch's checkpoint and the end of its final validation
        print(f"[{request.variant}] every epoch is trained; running the final validation of best.pt that was cut short", flush=True)
        reporter.continue_without_training(trainer)
        trainer.finish_without_training()
        _write_run_json(request)
        return 0
    try:
        trainer.train()
    except torch.OutOfMemoryError as error:
        print(f"CUDA out of memory at batch {trainer.batch_size} on device {request.device}: {str(error).splitlines()[0]}", file=sys.stderr)
        return EXIT_OUT_OF_MEMORY
    except TrainingDiverged as error:
        print(f"training diverged: {error}", file=sys.stderr)
        return EXIT_DIVERGED
    _write_run_json(request)
    return 0


@dataclass(frozen=True)
class _ResumePoint:
    request: TrainRequest  # with resume_from set to the checkpoint actually used
    fallback: tuple[int, str] | None = None  # (epoch, message) when last.pt could not be used
    finished: bool = False  # the checkpoint follows the last epoch
    validated: bool = False  # ... and the final validation completed (progress.json has its metrics)


def _resume_point(request: TrainRequest, request_path: Path) -> _ResumePoint | int:
    """Where a resumed run starts: the requested checkpoint or the newest usable one (an exit code when none is)."""
    from yolo_py.progress import read_progress
    from yolo_py.resume_point import UnusableCheckpoint, choose_resume_checkpoint, fallback_message

    try:
        choice = choose_resume_checkpoint(Path(request.resume_from))
    except UnusableCheckpoint as error:
        print(f"cannot resume: {error}", file=sys.stderr)
        return EXIT_BAD_INPUT
    progress = read_progress(request.save_dir)
    fallback = None
    if choice.rejected:
        fallback = (choice.checkpoint.epoch + 1, fallback_message(choice, progress.get("epochsCompleted")))
        request = replace(request, resume_from=str(choice.checkpoint.path))
        write_json(request_path, asdict(request))  # what the trainer (and every DDP rank) reads
    finished = is_final(choice.checkpoint.epoch, request.epochs)
    return _ResumePoint(request, fallback, finished, finished and "finalMetrics" in progress)


def is_final(epoch: int, epochs: int) -> bool:
    """A checkpoint written after the last epoch (`epoch` 0-based). Ultralytics strips its finished FP16
    checkpoints to epoch -1; QAT checkpoints keep their epoch."""
    return epoch == -1 or epoch + 1 >= epochs


def _device_problem(device: str, torch) -> str | None:
    """What this machine lacks for `device`, before Ultralytics fails deep inside (or `cuda` trains on the CPU).
    The stage quotes it after the device and where that was set: "..., but <this>"."""
    if device in {"auto", "cpu", "mps"}:
        return None
    if not torch.cuda.is_available():  # `cuda` or GPU indices
        return f"this machine has no CUDA GPU (torch {torch.__version__} sees none)"
    if device == "cuda":
        return None
    count = torch.cuda.device_count()
    missing = [index for index in map(int, device.split(",")) if index >= count]
    if missing:
        return f"this machine has no GPU {missing[0]} (torch {torch.__version__} sees {count} CUDA GPU(s): 0..{count - 1})"
    return None


def _write_run_json(request: TrainRequest) -> None:
    """run.json: what was trained, where, how fast. Built from rank 0's progress.json (see yolo_py.progress)."""
    import brevitas
    import torch
    import ultralytics

    from yolo_py.progress import read_progress

    progress = read_progress(request.save_dir)
    train_seconds = progress.get("trainSeconds") or 0.0
    run = {
        "variant": request.variant,
        "model": request.model,
        "pretrained": False,
        "imgsz": request.imgsz,
        "epochs": request.epochs,
        "epochsCompleted": progress.get("epochsCompleted"),
        "batch": progress.get("batch"),
        "batchRequested": request.batch,
        "optimizer": request.optimizer,
        "seed": request.seed,
        "device": request.device,
        "deviceName": progress.get("deviceName"),
        "worldSize": progress.get("worldSize"),
        "amp": progress.get("amp"),
        "parameters": progress.get("parameters"),
        "valHead": request.val_head,
        "quantization": progress.get("quantization"),
        "events": progress.get("events", []),
        "qatSettings": request.qat,
        "distill": camel_keys(request.distill),  # teacher, teacherSha256, weight, temperature; null without
        "fineTune": camel_keys(request.fine_tune),  # initFrom, initSha256, lrScale; null but for the fine-tune
        "sessions": progress.get("sessions"),
        "wallSeconds": round(progress.get("wallSeconds") or 0.0, 3),
        "trainSeconds": round(train_seconds, 3),
        "trainImages": progress.get("trainImages"),
        "imagesPerSecond": round(progress["imagesSeen"] / train_seconds, 3) if train_seconds else None,
        "epochSeconds": progress.get("epochSeconds"),
        "validationSeconds": round(progress.get("validationSeconds") or 0.0, 3),
        "checkpointSeconds": round(progress.get("checkpointSeconds") or 0.0, 3),
        "peakGpuMemoryGiB": progress.get("peakGpuMemoryGiB"),
        "finalMetrics": progress.get("finalMetrics"),
        "versions": {
            "python": platform.python_version(),
            "torch": torch.__version__,
            "cuda": torch.version.cuda,
            "ultralytics": ultralytics.__version__,
            "brevitas": brevitas.__version__,
        },
    }
    path = Path(request.save_dir) / RUN_JSON
    write_json(path, check(run, "run.schema.json", path))  # the summary checks it against the same schema


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
