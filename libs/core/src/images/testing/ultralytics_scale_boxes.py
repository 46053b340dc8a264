"""Oracle for letterbox-geometry.test.ts: Ultralytics' scale_boxes (ratio_pad=None, i.e. shapes only) followed by the
xywh conversion of pred_to_json, on float32 boxes read from stdin as JSON.

Input: {"cases": [{"input": [h, w], "orig": [h, w], "boxes": [[x1, y1, x2, y2], ...]}, ...]}
Output: per case {"xyxy": [...], "xywh": [...]} as float32 values widened to float64.
"""
import json
import sys

import torch
from ultralytics.utils import ops


def main() -> None:
    cases = json.load(sys.stdin)["cases"]
    result = []
    for case in cases:
        boxes = torch.tensor(case["boxes"], dtype=torch.float32).reshape(-1, 4)
        scaled = ops.scale_boxes(tuple(case["input"]), boxes.clone(), tuple(case["orig"]))
        xywh = ops.xyxy2xywh(scaled)
        xywh[:, :2] -= xywh[:, 2:] / 2
        result.append({"xyxy": scaled.tolist(), "xywh": xywh.tolist()})
    print(json.dumps(result))


if __name__ == "__main__":
    main()
