"""The W8A8 PTQ request: what the ptq-w8a8 stage (libs/ptq-w8a8/src/stage.ts) asks yolo_py.ptq_w8a8_cli to do.

Checked against contracts/ptq_w8a8_request.schema.json (emitted from the zod schema the stage builds it with), and
its calibration list against contracts/calibration.schema.json: an unknown or missing key, a wrong type, an unknown
calibration method or a missing input file is a ValueError naming the file and the key, which the entry point turns
into the bad-input exit code.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from yolo_py.json_schema import read_checked
from yolo_py.request_files import existing_file


@dataclass(frozen=True)
class W8a8Request:
    out_dir: str
    imgsz: int
    fp16_onnx: str  # export's float file
    calibration_tensor: str  # the letterboxed images, raw float32 [N, 3, imgsz, imgsz]
    calibration_meta: str  # calibration.json: shape, list, sha256, letterbox
    calibration_method: str  # minmax, entropy or percentile
    calibration_list: dict  # calibration.json, checked

    @classmethod
    def from_file(cls, path: str | Path) -> W8a8Request:
        data = read_checked(path, "ptq_w8a8_request.schema.json")
        calibration = data["calibration"]
        meta = existing_file(calibration["meta"], "calibration.meta", path)
        return cls(
            out_dir=data["out_dir"],
            imgsz=data["imgsz"],
            fp16_onnx=existing_file(data["fp16_onnx"], "fp16_onnx", path),
            calibration_tensor=existing_file(calibration["tensor"], "calibration.tensor", path),
            calibration_meta=meta,
            calibration_method=calibration["method"],
            calibration_list=read_checked(meta, "calibration.schema.json"),
        )
