"""End-to-end training speed of one trainer, for the side-by-side benchmark (speed-bench.sh):

    python3 tools/bench/gpu/trainer_speed.py <plain|fp16|qat|qat-stock|fp16-compile|qat-compile> <request.json> <yolo-config-dir>

plain      Ultralytics' own DetectionTrainer (what `yolo train model=yolov10m.yaml ...` runs) with the request's
           arguments: the reference.
fp16, qat  the experiment's ExperimentTrainer, as the train stages run it.
qat-stock  ExperimentTrainer with the batched weight quantization left out (the QAT path before it).
fp16-eager, qat-eager  ExperimentTrainer with the request's cuda_graphs off (the eager step, as before).
fp16-graphedloss, qat-graphedloss  ExperimentTrainer with the loss replayed as CUDA graphs too (the trainer's
           LOSS_GRAPHS on; yolo_py/graphed_loss.py): what the graphed loss saves over fp16, qat.
fp16-ustep, qat-ustep  ExperimentTrainer with Ultralytics' own optimizer_step (clips model.parameters(), walked at
           every step) instead of the trainer's (the list taken once): what yolo_py/optimizer_step.py saves.
fp16-compile, qat-compile  ExperimentTrainer with Ultralytics' `compile=True` (torch.compile of the model's forward,
           the loss eager), to see whether it pays.

All get the same Ultralytics arguments (the request's, with plots and per-epoch validation off, which the
timing does not count anyway). Each epoch's training loop is timed between Ultralytics' epoch-start and
epoch-end callbacks after a device synchronisation; the first epoch (cuDNN plans, workers starting) is warm-up.
Prints one JSON line: steady images/s, epoch seconds, peak GPU memory, the train losses per epoch, and per epoch the
seconds the training loop waited for the train loader's next batch (`loader_wait_s`: near 0 when the workers keep up,
near the epoch's time when they bound it).
"""

from __future__ import annotations

import json
import os
import statistics
import sys
import time
from pathlib import Path

from yolo_py import offline
from yolo_py.request import TRAIN_REQUEST_ENV, TrainRequest


class LoaderWaitClock:
    """Adds up the seconds that next() on a loader's batch iterator blocks (the caller resets `seconds`)."""

    def __init__(self) -> None:
        self.seconds = 0.0

    def install(self, loader) -> None:
        """Wraps the iterator the loader creates (once, at the first epoch: Ultralytics' loader is persistent)."""
        make_iterator = loader._get_iterator
        loader._get_iterator = lambda: _TimedIterator(make_iterator(), self)


class _TimedIterator:
    def __init__(self, inner, clock: LoaderWaitClock) -> None:
        self._inner, self._clock = inner, clock

    def __iter__(self):
        return self

    def __next__(self):
        began = time.perf_counter()
        try:
            return next(self._inner)
        finally:
            self._clock.seconds += time.perf_counter() - began

    def __getattr__(self, name):  # _workers, _shutdown_workers, ...: the loader's own cleanup reaches the real iterator
        return getattr(self._inner, name)


def main(argv: list[str]) -> int:
    kind, request_path, config_dir = argv
    os.environ[TRAIN_REQUEST_ENV] = os.path.abspath(request_path)
    offline.configure(Path(config_dir).resolve())
    offline.apply_settings()
    import torch

    request = TrainRequest.from_file(request_path)
    overrides = {**request.ultralytics_overrides(), "plots": False, "val": False}
    if kind.endswith("-compile"):
        overrides["compile"] = True
    if kind == "plain":
        from ultralytics.models.yolo.detect import DetectionTrainer

        trainer = DetectionTrainer(overrides=overrides)
    else:
        from yolo_py.trainer import ExperimentTrainer

        if kind == "qat-stock":
            from stock_qat_train import use_stock_brevitas  # beside this script

            use_stock_brevitas()
        trainer = ExperimentTrainer(overrides=overrides)
        if kind.endswith("-ustep"):
            from ultralytics.models.yolo.detect import DetectionTrainer

            trainer.optimizer_step = lambda: DetectionTrainer.optimizer_step(trainer)
        if kind.endswith("-graphedloss"):
            import yolo_py.trainer

            yolo_py.trainer.LOSS_GRAPHS = True
        if kind.endswith("-eager"):
            import dataclasses

            trainer.request = dataclasses.replace(trainer.request, cuda_graphs=False)

    epoch_seconds: list[float] = []
    losses: list[list[float]] = []  # box, cls, dfl
    loader_waits: list[float] = []
    started = {}
    loader_wait = LoaderWaitClock()

    sync = torch.cuda.synchronize if torch.cuda.is_available() else (lambda: None)  # CPU: a local smoke test

    def on_epoch_start(t):
        sync()
        started["t"] = time.perf_counter()
        loader_wait.seconds = 0.0

    def on_epoch_end(t):
        sync()
        epoch_seconds.append(time.perf_counter() - started["t"])
        loader_waits.append(loader_wait.seconds)
        losses.append([round(float(v), 5) for v in t.label_loss_items(t.tloss, prefix='train').values()])

    trainer.add_callback("on_train_start", lambda t: loader_wait.install(t.train_loader))
    trainer.add_callback("on_train_epoch_start", on_epoch_start)
    trainer.add_callback("on_train_epoch_end", on_epoch_end)
    if torch.cuda.is_available():
        torch.cuda.reset_peak_memory_stats()
    wall = time.perf_counter()
    trainer.train()
    images = len(trainer.train_loader.dataset)
    steady = epoch_seconds[1:] or epoch_seconds
    print("RESULT " + json.dumps({
        "kind": kind,
        "images_per_epoch": images,
        "epoch_seconds": [round(s, 3) for s in epoch_seconds],
        "loader_wait_s": [round(s, 3) for s in loader_waits],
        "workers": trainer.train_loader.num_workers,  # after Ultralytics caps it at the CPU count
        "steady_images_per_s": round(images / statistics.median(steady), 1),
        "peak_gib": round(torch.cuda.max_memory_allocated() / 2**30, 2) if torch.cuda.is_available() else None,
        "wall_s": round(time.perf_counter() - wall, 1),
        "train_losses": losses,
        "optimizer": type(trainer.optimizer).__name__ + (" fused" if trainer.optimizer.defaults.get("fused") else ""),
        "graph_replays": getattr(trainer.model, "replays", None),
        "loss_replays": getattr(trainer.model, "loss_replays", None),
        "batch": trainer.batch_size,
        "step_ms": round(1000 * trainer.batch_size * statistics.median(steady) / images, 2),
        "channels_last": next(trainer.model.parameters()).is_contiguous(memory_format=torch.channels_last),
    }), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
