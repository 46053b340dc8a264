"""Oracle for resize-linear.test.ts: writes random 8-bit images and cv2.resize(INTER_LINEAR) of each.

Usage: python cv2_resize.py OUT_DIR SEED  ->  OUT_DIR/manifest.json plus raw HWC uint8 files.
"""
import json
import sys
from pathlib import Path

import cv2
import numpy as np

# (src_w, src_h, dst_w, dst_h, channels): the shapes letterboxing meets (COCO-like up/downscales, exact 2x, odd
# sizes, thin images) plus widths whose row length is not a multiple of the SIMD step.
CASES = [
    (640, 480, 320, 240, 3), (500, 375, 640, 480, 3), (427, 640, 214, 320, 3), (333, 500, 640, 961, 3),
    (640, 427, 320, 214, 3), (641, 479, 317, 237, 3), (37, 23, 101, 63, 3), (1, 300, 2, 640, 3),
    (300, 1, 640, 2, 3), (5, 7, 3, 4, 3), (17, 13, 35, 27, 1), (612, 612, 640, 640, 3), (480, 640, 240, 320, 1),
    (1000, 750, 640, 480, 3), (64, 48, 96, 72, 3), (640, 360, 320, 180, 3),
]


def main() -> None:
    out, seed = Path(sys.argv[1]), int(sys.argv[2])
    rng = np.random.default_rng(seed)
    manifest = []
    random_cases = [(*rng.integers(1, 160, 4).tolist(), int(rng.choice([1, 3]))) for _ in range(40)]
    for i, (sw, sh, dw, dh, cn) in enumerate(CASES + random_cases):
        kind = i % 3
        if kind == 0:
            src = rng.integers(0, 256, (sh, sw, cn), dtype=np.uint8)
        elif kind == 1:  # smooth content: rounding, not noise, decides the result
            yy, xx = np.mgrid[0:sh, 0:sw]
            base = (xx * 255 / max(sw - 1, 1) * 0.6 + yy * 255 / max(sh - 1, 1) * 0.4)
            src = np.stack([np.roll(base, k, axis=1) for k in range(cn)], axis=2).clip(0, 255).astype(np.uint8)
        else:  # extremes only: saturation paths
            src = (rng.integers(0, 2, (sh, sw, cn), dtype=np.uint8) * 255).astype(np.uint8)
        dst = cv2.resize(src, (dw, dh), interpolation=cv2.INTER_LINEAR)
        dst = dst.reshape(dh, dw, cn)
        (out / f"{i}.src").write_bytes(np.ascontiguousarray(src).tobytes())
        (out / f"{i}.dst").write_bytes(np.ascontiguousarray(dst).tobytes())
        manifest.append({"src": f"{i}.src", "dst": f"{i}.dst", "sw": sw, "sh": sh, "dw": dw, "dh": dh, "cn": cn})
    (out / "manifest.json").write_text(json.dumps({"opencv": cv2.__version__, "cases": manifest}))


if __name__ == "__main__":
    main()
