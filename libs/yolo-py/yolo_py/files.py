"""Atomic, durable file writes: a reader (or a resumed run) sees the old file or the new one, never a torn one,
also after a power loss."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
from pathlib import Path
from typing import Any, Callable

# Temporary files are hidden siblings named .<name>.<pid>.tmp; a writer killed before its rename leaves one behind.
_TMP_SUFFIX = ".tmp"


def temp_path_for(path: str | Path) -> Path:
    """A hidden temporary sibling of `path` for this process (remove_stale_temps knows the name)."""
    path = Path(path)
    return path.with_name(f".{path.name}.{os.getpid()}{_TMP_SUFFIX}")


def publish(written: Path, path: str | Path) -> None:
    """Puts a fully written temporary file at `path` for good: data to disk, one rename, the folder to disk.

    Without both fsyncs a power loss can leave the renamed name pointing at an empty or partial file on some
    filesystems.
    """
    path = Path(path)
    _fsync(written)
    os.replace(written, path)
    _fsync_folder(path.parent)


def write_atomically(path: str | Path, write: Callable[[Path], object]) -> None:
    """Calls `write(tmp)` on a temporary path beside `path`, then publishes it there (see publish).

    The temporary name carries the process id, so two processes writing the same file never share one. When
    `write` raises, the temporary file is removed and `path` is left as it was.
    """
    tmp = temp_path_for(path)
    try:
        write(tmp)
        publish(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)


def copy_atomically(source: str | Path, destination: str | Path) -> None:
    """A copy of `source` at `destination`, published in one rename (a periodic checkpoint, best.pt)."""
    write_atomically(destination, lambda tmp: shutil.copyfile(source, tmp))


def remove_stale_temps(folder: str | Path) -> list[Path]:
    """Removes the temporary files that writers killed mid-write left in `folder`; returns them.

    Only for a folder one process owns (a training's save dir under its lock): a live writer's file would go too.
    """
    folder = Path(folder)
    if not folder.is_dir():
        return []
    stale = [p for p in folder.iterdir() if p.name.startswith(".") and p.name.endswith(_TMP_SUFFIX) and p.is_file()]
    for path in stale:
        path.unlink(missing_ok=True)
    return stale


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


def pinned_file_problem(path: str | Path, sha256: str, missing: str, changed: Callable[[str], str]) -> str | None:
    """Why `path` is not the file a request pinned by its sha256 (a checkpoint a training reads): `missing`, or
    `changed(its actual sha256)`, each after the path; None when it is that file."""
    path = Path(path)
    if not path.is_file():
        return f"{path}: {missing}"
    digest = sha256_of(path)
    return None if digest == sha256 else f"{path}: {changed(digest)}"


def _fsync(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _fsync_folder(folder: Path) -> None:
    try:
        fd = os.open(folder, os.O_RDONLY | os.O_DIRECTORY)
    except OSError:  # a platform or filesystem without directory handles: the rename is still atomic
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)
