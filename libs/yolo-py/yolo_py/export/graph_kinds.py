"""What an exported ONNX graph holds (export.json's `graph`): float weights, or int weights behind Q/DQ (QCDQ).

Defined once in libs/core/src/vocabulary.ts and emitted into yolo_py/contracts/graph_kinds.json.
"""

from __future__ import annotations

import json
from pathlib import Path

GRAPH_KINDS: tuple[str, ...] = tuple(
    json.loads((Path(__file__).parent.parent / "contracts" / "graph_kinds.json").read_text())["graphKinds"]
)
FLOAT, QCDQ = GRAPH_KINDS
