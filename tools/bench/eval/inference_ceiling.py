"""Mean ms of batch-1 onnxruntime CPU inference with the default session (the Python reference's), for
inference-ceiling.ts. Usage: python inference_ceiling.py MODEL.onnx IMGSZ RUNS -> prints the mean ms."""
import sys
import time

import numpy as np
import onnxruntime as ort


def main() -> None:
    model, imgsz, runs = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
    session = ort.InferenceSession(model, providers=["CPUExecutionProvider"])
    i = np.arange(3 * imgsz * imgsz, dtype=np.uint64)
    x = (((i * 2654435761) % (1 << 32)) % 256).astype(np.float32).reshape(1, 3, imgsz, imgsz) / 255
    feeds = {session.get_inputs()[0].name: x}
    for _ in range(3):
        session.run(None, feeds)
    t0 = time.perf_counter()
    for _ in range(runs):
        session.run(None, feeds)
    print((time.perf_counter() - t0) / runs * 1000)


if __name__ == "__main__":
    main()
