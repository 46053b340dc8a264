"""Does CUDA-graph capture survive a thread that allocates pinned memory meanwhile, as Ultralytics' pin-memory
thread does during training? Captures the product's CapturedModelPass (yolo_py/cuda_graph.py) repeatedly, with
torch's default capture mode ("global") and with the product's ("thread_local"), interleaved, while a thread
pins fresh host tensors and the main thread has copies from pinned memory in flight (their events are what the
host allocator queries from the other thread).

    python3 tools/bench/gpu/capture_vs_pin_thread.py [--rounds 12] [--model yolov10n.yaml] [--batch 16] [--imgsz 320]
"""

from __future__ import annotations

import argparse
import os
import platform
import random
import subprocess
import sys
import threading
import time
from datetime import datetime, timezone
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[3] / "libs" / "yolo-py"))

import torch  # noqa: E402

from yolo_py import cuda_graph  # noqa: E402


def pin_forever(stop: threading.Event, counter: list[int]) -> None:
    rng = random.Random(0)
    while not stop.is_set():
        t = torch.empty(rng.randrange(1 << 16, 1 << 22), dtype=torch.uint8, pin_memory=True)  # a fresh batch's buffer
        del t
        counter[0] += 1


def capture_many(args) -> int:
    """Child: `args.captures` captures in one mode; prints one line per capture (a failed capture can leave the
    process's CUDA state unusable, so each mode runs in processes of its own)."""
    os.environ.setdefault("YOLO_OFFLINE", "true")
    from ultralytics.nn.tasks import DetectionModel

    model = DetectionModel(args.model, nc=80, verbose=False).cuda().train().to(memory_format=torch.channels_last)
    images = torch.rand(args.batch, 3, args.imgsz, args.imgsz, device="cuda").to(memory_format=torch.channels_last)
    cuda_graph.CAPTURE_ERROR_MODE = args.mode
    stop, pinned = threading.Event(), [0]
    thread = threading.Thread(target=pin_forever, args=(stop, pinned), daemon=True)
    thread.start()
    try:
        for _ in range(args.captures):
            staged = [torch.rand(1 << 20).pin_memory().to("cuda", non_blocking=True) for _ in range(8)]  # copies in flight
            del staged
            try:
                with torch.autocast("cuda", dtype=torch.float16, cache_enabled=False):
                    cuda_graph.CapturedModelPass(model, images)
                print("capture: ok", flush=True)
            except Exception as error:  # noqa: BLE001 (any failure of the capture is the finding)
                print(f"capture: {type(error).__name__}: {str(error).splitlines()[0][:160]}", flush=True)
                return 0
    finally:
        stop.set()
        thread.join()
    return 0


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=6)
    parser.add_argument("--captures", type=int, default=4, help="captures per process")
    parser.add_argument("--model", default="yolov10n.yaml")
    parser.add_argument("--batch", type=int, default=16)
    parser.add_argument("--imgsz", type=int, default=320)
    parser.add_argument("--mode", choices=["global", "thread_local"], help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.mode:
        return capture_many(args)
    print(f"command: python3 tools/bench/gpu/capture_vs_pin_thread.py {' '.join(sys.argv[1:])}")
    print(f"date: {datetime.now(timezone.utc).isoformat(timespec='seconds')}")
    print(f"machine: {torch.cuda.get_device_name(0)}, {os.cpu_count()} CPU cores, python {platform.python_version()}, torch {torch.__version__}")
    outcomes: dict[str, list[str]] = {"global": [], "thread_local": []}
    for _ in range(args.rounds):
        for mode in outcomes:  # interleaved, one process per mode and round
            child = subprocess.run([sys.executable, __file__, "--mode", mode, *sys.argv[1:]], capture_output=True, text=True)
            lines = [line.removeprefix("capture: ") for line in child.stdout.splitlines() if line.startswith("capture: ")]
            outcomes[mode] += lines or [f"process failed (exit {child.returncode}): {child.stderr.strip().splitlines()[-1:]}"]
    for mode, results in outcomes.items():
        failures = [r for r in results if r != "ok"]
        print(f"{mode}: {len(results) - len(failures)}/{len(results)} captures succeeded")
        for failure in sorted(set(failures)):
            print(f"  {failures.count(failure)}x {failure}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
