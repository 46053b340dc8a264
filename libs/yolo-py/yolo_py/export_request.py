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
        variants = [m.variant for m in models]
        if len(set(variants)) != len(variants):
            raise ValueError(f"{path}: models: each variant once, got {variants}")
        return cls(out_dir=data["out_dir"], imgsz=data["imgsz"], opset=data["opset"], models=models)
