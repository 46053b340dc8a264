"""Times cv2.imread and the reference letterbox (reference_eval.py's) per image for letterbox-bench.ts.

Usage: python letterbox_reference.py IMGSZ REPS IMAGE... ; prints a JSON list of {decode, letterbox} mean ms per image.
"""
import json
import sys
import time
from pathlib import Path

import cv2

sys.path.insert(0, str(Path(__file__).parent))
from reference_eval import letterbox  # noqa: E402


def main() -> None:
    imgsz, reps, paths = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3:]
    out = []
    for path in paths:
        decode = box = 0.0
        for _ in range(reps):
            t0 = time.perf_counter()
            bgr = cv2.imread(path)
            t1 = time.perf_counter()
            letterbox(bgr, imgsz)
            decode += t1 - t0
            box += time.perf_counter() - t1
        out.append({"decode": 1000 * decode / reps, "letterbox": 1000 * box / reps})
    print(json.dumps(out))


if __name__ == "__main__":
    main()
