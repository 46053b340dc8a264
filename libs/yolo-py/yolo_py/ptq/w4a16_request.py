"""The W4A16 PTQ request: what the ptq-w4a16 stage (libs/ptq-w4a16/src/stage.ts) asks yolo_py.ptq_w4a16_cli to do.

Checked against contracts/ptq_w4a16_request.schema.json (emitted from the zod schema the stage builds it with): an
unknown or missing key, a wrong type or a missing input file is a ValueError naming the file and the key, which the
entry point turns into the bad-input exit code.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from yolo_py.json_schema import read_checked
from yolo_py.request_files import existing_file
from yolo_py.quant.settings import QatSettings


@dataclass(frozen=True)
class W4a16Request:
    out_dir: str
    imgsz: int
    opset: int
    qat_settings: QatSettings  # the QAT run's quantizer (conf/qat.yaml)
    fp16_checkpoint: str  # train-fp16's weights/best.pt
    qat_checkpoint: str  # train-qat's weights/best.pt
    qat_qcdq_onnx: str  # export's QCDQ file of the QAT model
    qat_ft_qcdq_onnx: str  # export's QCDQ file of the QAT fine-tune

    @classmethod
    def from_file(cls, path: str | Path) -> W4a16Request:
        data = read_checked(path, "ptq_w4a16_request.schema.json")
        try:
            settings = QatSettings.from_dict(data["qat_settings"])
        except ValueError as error:
            raise ValueError(f"{path}: qat_settings: {error}") from None
        files = {key: existing_file(data[key], key, path) for key in ("fp16_checkpoint", "qat_checkpoint", "qat_qcdq_onnx", "qat_ft_qcdq_onnx")}
        return cls(out_dir=data["out_dir"], imgsz=data["imgsz"], opset=data["opset"], qat_settings=settings, **files)
