"""A training entry point with Ultralytics' `time`: train for <hours>, fitting the epoch count (and the LR schedule) to
it after the first epoch. For time-boxed benchmarks only (train-bench.sh's train-hours): the experiment's stages always
give epochs, so the training request has no such key.

    python3 tools/bench/gpu/time_boxed_train.py <hours> -m yolo_py.train <request.json> <yolo-config-dir>
    python3 tools/bench/gpu/time_boxed_train.py <hours> <entry script.py> <request.json> <yolo-config-dir>

The time box reaches DDP ranks too: they are built from the launcher's Ultralytics args, which hold it.
"""

import runpy
import sys

from yolo_py.request import TrainRequest


def time_box(hours: float) -> None:
    """Adds Ultralytics' `time` to every trainer's arguments built from a request in this process."""
    overrides = TrainRequest.ultralytics_overrides
    TrainRequest.ultralytics_overrides = lambda self: {**overrides(self), "time": hours}


def main(argv: list[str]) -> None:
    if len(argv) < 3 or float(argv[0]) <= 0:
        sys.exit(__doc__)
    time_box(float(argv[0]))
    if argv[1] == "-m":
        sys.argv = [argv[2], *argv[3:]]
        runpy.run_module(argv[2], run_name="__main__", alter_sys=True)
    else:
        sys.argv = argv[1:]
        runpy.run_path(argv[1], run_name="__main__")


if __name__ == "__main__":
    main(sys.argv[1:])
