"""Writes the JSON artifacts yolo_py hands the TypeScript stages (export.json, the PTQ JSONs): one way for all of them.

Every such artifact is camelCase (yolo_py builds it with snake_case names: artifact_keys converts them once, here),
checked against the schema TypeScript emits for it before it is written, and written atomically, so a reader never
sees a partial or unchecked file.
"""

from __future__ import annotations

import json
from pathlib import Path

from yolo_py.artifact_keys import camel_keys
from yolo_py.files import write_atomically
from yolo_py.json_schema import check


def write_artifact(path: Path, data: dict, schema_name: str) -> None:
    """`data` with camelCase keys, checked against contracts/<schema_name>, written atomically to `path`.

    Through JSON first (default=str: numpy scalars in an agreement), so the check sees what the summary reads. A
    document the schema refuses is a ValueError naming `path` and the field, and nothing is written.
    """
    written = json.loads(json.dumps(camel_keys(data), default=str))
    text = json.dumps(check(written, schema_name, path), indent=2) + "\n"
    write_atomically(path, lambda tmp: tmp.write_text(text))
