"""Oracle for decode-image.test.ts: decodes images the way Ultralytics does (ultralytics.utils.patches.imread, i.e.
cv2.imdecode with IMREAD_COLOR) and writes each as raw RGB.

Usage: python cv2_decode.py OUT_DIR IMAGE...  ->  OUT_DIR/manifest.json plus OUT_DIR/<i>.rgb
"""
import json
import sys
from pathlib import Path

import cv2
from ultralytics.utils.patches import imread


def main() -> None:
    out = Path(sys.argv[1])
    manifest = []
    for i, path in enumerate(sys.argv[2:]):
        bgr = imread(path)
        if bgr is None:
            manifest.append({"path": path, "ok": False})
            continue
        rgb = cv2.cvtColor(bgr, cv2.COLOR_BGR2RGB) if bgr.shape[2] == 3 else bgr
        (out / f"{i}.rgb").write_bytes(rgb.tobytes())
        manifest.append({"path": path, "ok": True, "file": f"{i}.rgb", "width": rgb.shape[1], "height": rgb.shape[0]})
    (out / "manifest.json").write_text(json.dumps({"opencv": cv2.__version__, "images": manifest}))


if __name__ == "__main__":
    main()
