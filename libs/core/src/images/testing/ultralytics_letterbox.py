"""Oracle for letterbox.test.ts: Ultralytics' own image reading and LetterBox (fixed square, auto=False, centred),
then BGR->RGB, /255 as float32, CHW, written as raw float32 with LetterBox's parameters.

Usage: python ultralytics_letterbox.py OUT_DIR IMGSZ IMAGE...  ->  OUT_DIR/manifest.json plus OUT_DIR/<i>.f32
"""
import json
import sys
from pathlib import Path

import numpy as np
import torch
from ultralytics.data.augment import LetterBox
from ultralytics.utils.patches import imread


def main() -> None:
    out, imgsz = Path(sys.argv[1]), int(sys.argv[2])
    letterbox = LetterBox(new_shape=(imgsz, imgsz), auto=False, scale_fill=False, scaleup=True, center=True)
    manifest = []
    for i, path in enumerate(sys.argv[3:]):
        bgr = imread(path)
        params = letterbox.get_params({"img": bgr})
        boxed = letterbox(image=bgr)
        chw = np.ascontiguousarray(boxed[..., ::-1].transpose(2, 0, 1))
        tensor = torch.from_numpy(chw).float() / 255
        (out / f"{i}.f32").write_bytes(tensor.numpy().astype("<f4").tobytes())
        manifest.append({
            "path": path, "file": f"{i}.f32", "shape": list(tensor.shape),
            "newWidth": params["new_unpad"][0], "newHeight": params["new_unpad"][1],
            "top": params["top"], "bottom": params["bottom"], "left": params["left"], "right": params["right"],
        })
    (out / "manifest.json").write_text(json.dumps({"images": manifest}))


if __name__ == "__main__":
    main()
