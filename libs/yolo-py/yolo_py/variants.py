"""The variant names on the Python side (request.json's and export.json's `variant`).

Defined once in libs/core/src/variants.ts and emitted into contracts/variants.json (a TypeScript test fails
when the file is stale), so both sides of the bridge spell them the same way.
"""

from __future__ import annotations

import json
from pathlib import Path

_CONTRACT = json.loads((Path(__file__).parent / "contracts" / "variants.json").read_text())
VARIANTS: tuple[str, ...] = tuple(_CONTRACT["variants"])
# Trained with the W4A16 quantizer: yolo_py.quant checkpoints, exported as QCDQ.
QUANTIZED_VARIANTS: tuple[str, ...] = tuple(_CONTRACT["quantized"])
FINE_TUNE_VARIANT: str = _CONTRACT["fineTune"]  # the one that starts from the FP16 model (request.fine_tune)
