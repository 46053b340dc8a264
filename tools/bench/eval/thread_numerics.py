"""Does onnxruntime's CPU provider give the same outputs whatever its intra-op thread count? Runs one ONNX file on
the same inputs with each thread count and prints, per count, the largest absolute difference of the output from
the first count's and whether it is bit-identical.

Usage: python thread_numerics.py MODEL.onnx IMGSZ THREADS... (e.g. 16 8 4 2 1)
"""
import datetime
import os
import platform
import sys

import numpy as np
import onnxruntime as ort


def cpu_model() -> str:
    try:
        with open("/proc/cpuinfo") as f:
            return next(line.split(":", 1)[1].strip() for line in f if line.startswith("model name"))
    except (OSError, StopIteration):
        return platform.processor() or "cpu"


def main() -> None:
    model, imgsz, counts = sys.argv[1], int(sys.argv[2]), [int(t) for t in sys.argv[3:]]
    rng = np.random.default_rng(0)
    inputs = [rng.integers(0, 256, (1, 3, imgsz, imgsz)).astype(np.float32) / 255 for _ in range(3)]
    outputs = {}
    for threads in counts:
        options = ort.SessionOptions()
        options.intra_op_num_threads = threads
        session = ort.InferenceSession(model, options, providers=["CPUExecutionProvider"])
        name = session.get_inputs()[0].name
        outputs[threads] = [session.run(None, {name: x})[0] for x in inputs]
    first = outputs[counts[0]]
    print(f"command: python tools/bench/eval/thread_numerics.py {' '.join(sys.argv[1:])}")
    print(f"date: {datetime.datetime.now(datetime.timezone.utc).isoformat()}")
    print(f"machine: {cpu_model()} x {os.cpu_count()} logical cores, python {platform.python_version()}")
    print(f"{os.path.basename(model)}, imgsz {imgsz}, onnxruntime {ort.__version__}, {os.cpu_count()} cpus; outputs vs {counts[0]} threads")
    for threads in counts:
        diff = max(float(np.max(np.abs(a - b))) for a, b in zip(outputs[threads], first))
        same = all(np.array_equal(a, b) for a, b in zip(outputs[threads], first))
        print(f"intra-op threads {threads}: max |diff| {diff:.3g}, bit-identical {same}")


if __name__ == "__main__":
    main()
