"""The variant names on the Python side (request.json's and export.json's `variant`).

Defined once in libs/core/src/variants.ts and emitted into contracts/variants.json (a TypeScript test fails
when the file is stale), so both sides of the bridge spell them the same way.
"""

from __future__ import annotations

import json
from pathlib import Path

VARIANTS: tuple[str, ...] = tuple(json.loads((Path(__file__).parent / "contracts" / "variants.json").read_text())["variants"])
