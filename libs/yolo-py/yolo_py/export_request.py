"""The export request: what the export stage (libs/export/src/stage.ts) asks yolo_py.export_cli to write, as JSON.

Checked against contracts/export_request.schema.json (emitted from the TypeScript zod schema the stage builds
it with): an unknown or missing key, or a value of the wrong type, is a ValueError that names the file and the
key, which the CLI turns into the bad-input exit code.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from yolo_py.json_schema import read_checked
from yolo_py.request_files import existing_file

SCHEMA = "export_request.schema.json"


@dataclass(frozen=True)
class ExportModel:
    variant: str
    head: str  # yolo_py.export.heads: one2one (end-to-end, NMS-free) or one2many-nms (raw output, for NMS)
    checkpoint: str  # the training's weights/best.pt
    file: str  # ONNX file name inside out_dir


@dataclass(frozen=True)
class BnImages:
    """The train images the QAT models' BatchNorm statistics are re-estimated on (export/bn_reestimation.py)."""

    tensor: str  # the letterboxed images, raw float32 [N, 3, imgsz, imgsz] (yolo_py/image_set.py)
    meta: str  # their list: shape, names, sha256, letterbox (contracts/calibration.schema.json)
    batch: int  # images per forward: the training's batch
    image_list: dict  # the meta file, checked


@dataclass(frozen=True)
class ExportRequest:
    out_dir: str
    imgsz: int
    opset: int
    models: tuple[ExportModel, ...]
    bn_reestimation: BnImages | None = None  # None: the checkpoints' statistics are exported as trained

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
        bn = data.get("bn_reestimation")
        if bn is not None:
            meta = existing_file(bn["meta"], "bn_reestimation.meta", path)
            bn = BnImages(existing_file(bn["tensor"], "bn_reestimation.tensor", path), meta, bn["batch"], read_checked(meta, "calibration.schema.json"))
        return cls(out_dir=data["out_dir"], imgsz=data["imgsz"], opset=data["opset"], models=models, bn_reestimation=bn)
