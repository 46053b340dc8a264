"""Oracle for decode-output.test.ts: runs ultralytics.utils.nms.non_max_suppression with the validator's arguments
on raw-head outputs read from a file.

Usage: python ultralytics_nms.py IN.f32 BATCH CHANNELS ANCHORS CONF IOU MAX_DET  ->  JSON on stdout:
[[x1, y1, x2, y2, score, class], ...] per image.
"""
import json
import sys

import numpy as np
import torch
import torchvision  # noqa: F401  imported, it makes non_max_suppression use torchvision.ops.nms (stable order, fast)
from ultralytics.utils.nms import non_max_suppression


def main() -> None:
    path, batch, channels, anchors = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
    conf, iou, max_det = float(sys.argv[5]), float(sys.argv[6]), int(sys.argv[7])
    pred = torch.from_numpy(np.fromfile(path, dtype="<f4").reshape(batch, channels, anchors))
    # No time limit: Ultralytics' NMS stops after 2 s + 0.05 s per image and returns what it has, which a loaded test
    # machine reached (an empty image made the parity test fail); the product's NMS has no such limit.
    out = non_max_suppression(pred, conf, iou, multi_label=True, max_det=max_det, max_time_img=3600.0)
    print(json.dumps([o.tolist() for o in out]))


if __name__ == "__main__":
    main()
