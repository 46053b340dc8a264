"""The export request: what the export stage (libs/export/src/stage.ts) asks yolo_py.export_cli to write, as JSON.

Checked against contracts/export_request.schema.json (emitted from the TypeScript zod schema the stage builds
it with): an unknown or missing key, or a value of the wrong type, is a ValueError that names the file and the
key, which the CLI turns into the bad-input exit code.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from yolo_py.json_schema import read_checked

SCHEMA = "export_request.schema.json"


@dataclass(frozen=True)
class ExportModel:
    variant: str
    head: str  # yolo_py.export.heads: one2one (end-to-end, NMS-free) or one2many-nms (raw output, for NMS)
    checkpoint: str  # the training's weights/best.pt
    file: str  # ONNX file name inside out_dir


@dataclass(frozen=True)
class ExportRequest:
    out_dir: str
    imgsz: int
    opset: int
    models: tuple[ExportModel, ...]

    @classmethod
    def from_file(cls, path: str | Path) -> ExportRequest:
        data = read_checked(path, SCHEMA)
        models = tuple(ExportModel(**m) for m in data["models"])
        pairs = [(m.variant, m.head) for m in models]
        if len(set(pairs)) != len(pairs):
            raise ValueError(f"{path}: models: each variant and head once, got {pairs}")
        files = [m.file for m in models]
        if len(set(files)) != len(files):
            raise ValueError(f"{path}: models: each file once, got {files}")
        checkpoints = {m.variant: m.checkpoint for m in models}
        if any(checkpoints[m.variant] != m.checkpoint for m in models):
            raise ValueError(f"{path}: models: one checkpoint per variant, got {[(m.variant, m.checkpoint) for m in models]}")
        return cls(out_dir=data["out_dir"], imgsz=data["imgsz"], opset=data["opset"], models=models)
