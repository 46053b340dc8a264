"""The heads a trained YOLOv10 is exported with (the export request's and export.json's `head`).

one2one: the one-to-one, NMS-free head, whose end-to-end output [N, 300, 6] is the product; one2many-nms: the one-to-many
head, whose raw output [N, 4 + nc, anchors] needs NMS, exported beside it so eval can score YOLOv10's NMS-free design
against NMS on the same weights. The names are conf/train.yaml's valHead values, defined once in
libs/core/src/config/schema.ts and emitted into yolo_py/contracts/heads.json.
"""

from __future__ import annotations

import json
from pathlib import Path

HEADS: tuple[str, ...] = tuple(json.loads((Path(__file__).parent.parent / "contracts" / "heads.json").read_text())["heads"])
ONE2ONE, ONE2MANY_NMS = HEADS
