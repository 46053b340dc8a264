"""The export request: what the export stage (libs/export/src/stage.ts) asks yolo_py.export_cli to write, as JSON.

Checked like the training request: an unknown or missing key, or a value of the wrong type, is a ValueError that
names the file and the key, which the CLI turns into the bad-input exit code.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from yolo_py.variants import VARIANTS


def _fields(data: object, cls: type, where: str) -> dict:
    if not isinstance(data, dict):
        raise ValueError(f"{where}: expected an object, got {type(data).__name__}")
    known = set(cls.__dataclass_fields__)
    unknown, missing = sorted(set(data) - known), sorted(known - set(data))
    if unknown:
        raise ValueError(f"{where}: unknown request key '{unknown[0]}' (known: {', '.join(sorted(known))})")
    if missing:
        raise ValueError(f"{where}: missing request key '{missing[0]}'")
    return data


def _typed(value: object, kind: type, where: str) -> object:
    if not isinstance(value, kind) or (kind is int and isinstance(value, bool)):
        raise ValueError(f"{where}: expected {kind.__name__}, got {value!r}")
    return value


@dataclass(frozen=True)
class ExportModel:
    variant: str
    checkpoint: str  # the training's weights/best.pt
    file: str  # ONNX file name inside out_dir

    @classmethod
    def parse(cls, data: object, where: str) -> ExportModel:
        fields = _fields(data, cls, where)
        model = cls(**{k: _typed(fields[k], str, f"{where}.{k}") for k in cls.__dataclass_fields__})
        if model.variant not in VARIANTS:
            raise ValueError(f"{where}.variant: expected one of {VARIANTS}, got {model.variant!r}")
        if Path(model.file).name != model.file or not model.file.endswith(".onnx"):
            raise ValueError(f"{where}.file: expected a plain .onnx file name, got {model.file!r}")
        return model


@dataclass(frozen=True)
class ExportRequest:
    out_dir: str
    imgsz: int
    opset: int
    models: tuple[ExportModel, ...]

    @classmethod
    def from_file(cls, path: str | Path) -> ExportRequest:
        try:
            data = json.loads(Path(path).read_text())
        except (OSError, json.JSONDecodeError) as error:
            raise ValueError(f"{path}: cannot read the export request ({error})") from error
        fields = _fields(data, cls, str(path))
        models = _typed(fields["models"], list, f"{path}: models")
        parsed = tuple(ExportModel.parse(m, f"{path}: models[{i}]") for i, m in enumerate(models))
        variants = [m.variant for m in parsed]
        if len(set(variants)) != len(variants):
            raise ValueError(f"{path}: models: each variant once, got {variants}")
        return cls(
            out_dir=_typed(fields["out_dir"], str, f"{path}: out_dir"),
            imgsz=_typed(fields["imgsz"], int, f"{path}: imgsz"),
            opset=_typed(fields["opset"], int, f"{path}: opset"),
            models=parsed,
        )
