"""The input files a stage's request names, checked where the request is read: a missing one fails naming the
file, the request and its key, before any work."""

from __future__ import annotations

from pathlib import Path


def existing_file(path: str, key: str, request_path: str | Path) -> str:
    """`path` when it is a file; else a ValueError naming it, the request and its key."""
    if not Path(path).is_file():
        raise ValueError(f"{path}: not found (request {request_path}, key '{key}')")
    return path
