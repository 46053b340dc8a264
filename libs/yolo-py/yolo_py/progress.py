"""Progress the user can watch, and the run's running totals, surviving resumes and DDP.

Rank 0 prints one line every few seconds (epoch, batch, losses, images/s, ETA) and one per epoch, and keeps
progress.json in the save dir: cumulative train time and images across resumed sessions, the device, AMP,
parameters and the final metrics. The launching process of a DDP run has no trainer state of its own, so
run.json is built from this file, not from memory.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import torch
from ultralytics.utils import RANK

from yolo_py.artifact_keys import camel_keys
from yolo_py.files import write_json
from yolo_py.json_schema import read_checked
from yolo_py.layout import PROGRESS_JSON

PRINT_EVERY_SECONDS = 10.0


def read_progress(save_dir: str | Path) -> dict[str, Any]:
    """The save dir's progress.json, checked against contracts/progress.schema.json; {} before the first session."""
    path = Path(save_dir) / PROGRESS_JSON
    return read_checked(path, "progress.schema.json") if path.exists() else {}


def write_progress(save_dir: str | Path, progress: dict[str, Any]) -> None:
    write_json(Path(save_dir) / PROGRESS_JSON, progress)


def format_seconds(seconds: float) -> str:
    return f"{seconds:.1f} s"


def format_duration(seconds: float) -> str:
    seconds = int(max(seconds, 0))
    days, rest = divmod(seconds, 86400)
    hours, rest = divmod(rest, 3600)
    minutes, secs = divmod(rest, 60)
    if days:
        return f"{days}d{hours:02d}h"
    if hours:
        return f"{hours}h{minutes:02d}m"
    return f"{minutes}m{secs:02d}s"


class ProgressReporter:
    def __init__(self, variant: str):
        self.variant = variant
        self.totals: dict[str, Any] = {}
        self.earlier_events: list[dict[str, Any]] = []  # a resumed run's events from its earlier sessions
        self.session_started = 0.0
        self.epoch_started = 0.0
        self.epoch_images = 0
        self.last_print = 0.0

    def attach(self, trainer) -> None:
        for event, handler in (
            ("on_train_start", self.on_train_start),
            ("on_train_epoch_start", self.on_train_epoch_start),
            ("on_train_batch_end", self.on_train_batch_end),
            ("on_train_epoch_end", self.on_train_epoch_end),
            ("on_fit_epoch_end", self.on_fit_epoch_end),
            ("on_train_end", self.on_train_end),
        ):
            trainer.add_callback(event, handler)

    def on_train_start(self, trainer) -> None:
        if RANK not in {-1, 0}:
            return
        previous = read_progress(trainer.save_dir)
        self.earlier_events = previous.get("events", [])
        self.totals = {
            "trainSeconds": previous.get("trainSeconds", 0.0),
            "imagesSeen": previous.get("imagesSeen", 0),
            "wallSeconds": previous.get("wallSeconds", 0.0),
            "sessions": previous.get("sessions", 0) + 1,
            "epochSeconds": previous.get("epochSeconds", []),
            # Outside the training loop, over all sessions: validation and checkpoint writes (trainer.out_of_loop).
            "validationSeconds": previous.get("validationSeconds", 0.0),
            "checkpointSeconds": previous.get("checkpointSeconds", 0.0),
            "peakGpuMemoryGiB": previous.get("peakGpuMemoryGiB"),  # the run's peak over all its sessions
        }
        self.session_started = time.time()
        model = trainer.model.module if hasattr(trainer.model, "module") else trainer.model
        cuda = trainer.device.type == "cuda"
        self.totals.update(
            {
                "amp": bool(trainer.amp),
                "batch": trainer.batch_size,
                "worldSize": max(trainer.world_size, 1),
                "deviceName": torch.cuda.get_device_name(trainer.device) if cuda else "cpu",
                "parameters": sum(p.numel() for p in model.parameters()),
                "quantization": camel_keys(trainer.quant_report.to_dict()) if trainer.quant_report is not None else None,
                "trainImages": len(trainer.train_loader.dataset),
            }
        )
        # Count the session now: a run stopped before its first epoch-end write (even right after the epoch's
        # checkpoint, which Ultralytics saves before on_fit_epoch_end) is still a session.
        self._save(trainer, epochs_completed=trainer.start_epoch)
        where = f"from epoch {trainer.start_epoch + 1}" if trainer.start_epoch else "from scratch"
        print(
            f"[{self.variant}] training {where} to {trainer.epochs} epochs on {self.totals['deviceName']} "
            f"(AMP {'on' if trainer.amp else 'off'}, batch {trainer.batch_size}, {self.totals['parameters']:,} parameters)",
            flush=True,
        )

    def continue_without_training(self, trainer) -> None:
        """For a session that trains no epoch (the final validation of a run killed after its last checkpoint):
        the totals as the last session left them, plus this session."""
        previous = read_progress(trainer.save_dir)
        self.earlier_events = previous.get("events", [])
        self.totals = {k: v for k, v in previous.items() if k not in ("events", "epochsCompleted", "finalMetrics")}
        self.totals["sessions"] = previous.get("sessions", 0) + 1
        self.session_started = time.time()

    def on_train_epoch_start(self, trainer) -> None:
        self.epoch_started = time.time()
        self.epoch_images = 0
        self.last_print = self.epoch_started

    def on_train_batch_end(self, trainer) -> None:
        if RANK not in {-1, 0}:
            return
        self.epoch_images += trainer.batch_size
        now = time.time()
        if now - self.last_print < PRINT_EVERY_SECONDS:
            return
        self.last_print = now
        nb = len(trainer.train_loader)
        done = min(self.epoch_images // max(trainer.batch_size, 1), nb)
        rate = self.epoch_images / max(now - self.epoch_started, 1e-9)
        remaining_batches = (nb - done) + nb * (trainer.epochs - trainer.epoch - 1)
        eta = remaining_batches * trainer.batch_size / max(rate, 1e-9)
        print(
            f"[{self.variant}] epoch {trainer.epoch + 1}/{trainer.epochs} batch {done}/{nb} "
            f"{_losses(trainer.tloss)} {rate:.1f} img/s ETA {format_duration(eta)}",
            flush=True,
        )

    def on_train_epoch_end(self, trainer) -> None:
        if RANK not in {-1, 0}:
            return
        seconds = time.time() - self.epoch_started
        self.totals["trainSeconds"] += seconds
        self.totals["imagesSeen"] += self.epoch_images
        self.totals["epochSeconds"].append(round(seconds, 3))
        self.totals["batch"] = trainer.batch_size  # the batch trained: Ultralytics halves it after an OOM in the first epoch

    def on_fit_epoch_end(self, trainer) -> None:
        if RANK not in {-1, 0}:
            return
        metrics = trainer.metrics or {}
        spent = dict(trainer.out_of_loop)
        for key in spent:
            self.totals[key] = self.totals.get(key, 0.0) + spent[key]
            trainer.out_of_loop[key] = 0.0
        if trainer.epoch + 1 <= trainer.epochs and self.epoch_images:
            train_seconds = self.totals["epochSeconds"][-1] if self.totals.get("epochSeconds") else 0.0
            print(
                f"[{self.variant}] epoch {trainer.epoch + 1}/{trainer.epochs} done: {_losses(trainer.tloss)} "
                f"mAP50-95 {metrics.get('metrics/mAP50-95(B)', 0.0):.4f} mAP50 {metrics.get('metrics/mAP50(B)', 0.0):.4f} "
                f"({format_seconds(train_seconds)} training, {format_seconds(spent['validationSeconds'])} validation, "
                f"{format_seconds(spent['checkpointSeconds'])} checkpoints)",
                flush=True,
            )
        self._save(trainer, epochs_completed=trainer.epoch + 1)

    def on_train_end(self, trainer) -> None:
        if RANK not in {-1, 0}:
            return
        self._save(trainer, epochs_completed=trainer.epoch + 1, final_metrics=trainer.metrics or {})

    def _save(self, trainer, epochs_completed: int, final_metrics: dict | None = None) -> None:
        peak = round(torch.cuda.max_memory_allocated(trainer.device) / 2**30, 3) if trainer.device.type == "cuda" else None
        progress = {
            **self.totals,
            "events": self.earlier_events + trainer.events.items,
            "epochsCompleted": min(epochs_completed, trainer.epochs),
            "wallSeconds": self.totals.get("wallSeconds", 0.0) + (time.time() - self.session_started),
            "peakGpuMemoryGiB": max((p for p in (peak, self.totals.get("peakGpuMemoryGiB")) if p is not None), default=None),
        }
        if final_metrics is not None:
            progress["finalMetrics"] = {k: float(v) for k, v in final_metrics.items()}
        write_progress(trainer.save_dir, progress)


def _losses(tloss: Any) -> str:
    if not tloss:
        return ""
    return " ".join(f"{k.replace('_loss', '')} {float(v):.4f}" for k, v in tloss.items())
