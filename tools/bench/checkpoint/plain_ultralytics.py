"""The reference for bench.sh: Ultralytics' own DetectionTrainer on the same request's arguments (what `yolo train`
runs), its save_model timed per epoch. It writes last.pt, best.pt when it improved and epochN.pt every save_period,
in place and without fsync; the product's trainer writes the same files whole (temp file, fsync, rename).

    python3 tools/bench/checkpoint/plain_ultralytics.py <request.json> <yolo-config-dir>

Prints one line per epoch: `[plain] epoch N: S s checkpoints`.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

from yolo_py import offline
from yolo_py.request import TrainRequest


def main(request_path: str, config_dir: str) -> int:
    offline.configure(Path(config_dir).resolve())
    offline.apply_settings()
    from ultralytics.models.yolo.detect import DetectionTrainer

    request = TrainRequest.from_file(request_path)
    overrides = {**request.ultralytics_overrides(), "plots": False, "save_period": request.save_period}
    trainer = DetectionTrainer(overrides=overrides)
    real_save = trainer.save_model

    def timed_save():
        started = time.perf_counter()
        real_save()
        print(f"[plain] epoch {trainer.epoch + 1}: {time.perf_counter() - started:.1f} s checkpoints", flush=True)

    trainer.save_model = timed_save
    trainer.train()
    return 0


if __name__ == "__main__":
    sys.exit(main(*sys.argv[1:]))
