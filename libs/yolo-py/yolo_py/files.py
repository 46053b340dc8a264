"""Atomic file writes: a reader (or a resumed run) sees the old file or the new one, never a torn one."""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path
from typing import Any, Callable


def write_atomically(path: str | Path, write: Callable[[Path], object]) -> None:
    """Calls `write(tmp)` on a temporary path beside `path`, then renames it over `path` in one step.

    The temporary name carries the process id, so two processes writing the same file never share one.
    When `write` raises, the temporary file is removed and `path` is left as it was.
    """
    path = Path(path)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        write(tmp)
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)


def write_json(path: str | Path, data: Any) -> None:
    """`data` as indented JSON with a final newline, written atomically."""
    text = json.dumps(data, indent=2) + "\n"
    write_atomically(path, lambda tmp: tmp.write_text(text))


def sha256_of(path: Path) -> str:
    """The file's sha256, hex, read in 1 MiB blocks."""
    digest = hashlib.sha256()
    with path.open("rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()
