"""What happened to a training that its user must hear about: a recovered NaN, a halved batch, a checkpoint
fallback, a collapse warning. Each is printed as a warning line when it happens and kept, in order, in
progress.json and run.json (the kinds are the schema's: contracts/progress.schema.json), so summary.md shows it.
"""

from __future__ import annotations

from typing import Any


class RunEvents:
    """This session's events; a resumed run's earlier ones come from progress.json (yolo_py.progress)."""

    def __init__(self, variant: str) -> None:
        self.variant = variant
        self.items: list[dict[str, Any]] = []

    def record(self, kind: str, epoch: int, message: str) -> None:
        """`epoch`: the 1-based epoch it happened in or after (0: before the first epoch)."""
        print(f"[{self.variant}] WARNING: {message}", flush=True)
        self.items.append({"epoch": int(epoch), "kind": kind, "message": message})
