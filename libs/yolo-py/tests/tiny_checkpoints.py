"""A tiny FP16 model and its W4A16 QAT copy, saved as the trainings save them (an Ultralytics-format FP16 checkpoint,
the project's quantized checkpoint): what the export and PTQ tests start from."""

from __future__ import annotations

import copy
from pathlib import Path

import torch
from ultralytics.nn.tasks import DetectionModel

from yolo_py.quant import QatSettings, quantize_model, save_quant_checkpoint


def save_fp16_and_qat(fp16_path: Path, qat_path: Path, nudge: float = 0.0) -> tuple[DetectionModel, DetectionModel]:
    """yolov10n (seed 0) saved to fp16_path, and its quantized copy to qat_path, its weights moved by `nudge` x N(0, 1)
    when a test wants "trained" QAT weights that differ from the FP16 ones. Returns both models (eval mode)."""
    torch.manual_seed(0)
    fp16 = DetectionModel("yolov10n.yaml", nc=80, verbose=False).eval()
    torch.save({"model": copy.deepcopy(fp16).half(), "ema": None}, fp16_path)
    qat = copy.deepcopy(fp16)
    quantize_model(qat, QatSettings())
    if nudge:
        with torch.no_grad():
            for p in qat.parameters():
                p.add_(nudge * torch.randn_like(p))
    save_quant_checkpoint(qat_path, qat, QatSettings(), {})
    return fp16, qat
