"""The artifact file names yolo_py writes, from the run-root layout (libs/core/src/layout.ts).

Emitted into contracts/layout.json (a TypeScript test fails when it is stale), so no file name is spelled twice.
"""

from __future__ import annotations

import json
from pathlib import Path

_FILES = json.loads((Path(__file__).parent / "contracts" / "layout.json").read_text())

RUN_JSON: str = _FILES["runJson"]
"""<variant>/run.json: what was trained, where, how fast."""
PROGRESS_JSON: str = _FILES["progressJson"]
"""The save dir's progress.json: totals across resumed sessions."""
EXPORT_JSON: str = _FILES["exportJson"]
"""onnx/export.json: what export wrote about each ONNX file."""
