"""W4A16 PTQ: the FP16 checkpoint's weights rounded by the very quantizer the QAT run trains with.

No training and no calibration: AbsMax weight scaling needs no data. Going through quant.quantize_model
(and storing the result with quant.save_quant_checkpoint) means the PTQ model is a QAT model that was never
trained, so the export, the report and the evaluator treat both alike and any difference between the two
is what training with the quantizer bought.
"""

from __future__ import annotations

import copy
from pathlib import Path

from torch import nn

from yolo_py.quant.checkpoint import save_quant_checkpoint
from yolo_py.quant.convert import QuantReport, quantize_model
from yolo_py.quant.settings import QatSettings


def quantize_trained_weights(fp16_model: nn.Module, settings: QatSettings) -> tuple[nn.Module, QuantReport]:
    """A float32 eval-mode quantized copy of `fp16_model` (left untouched) and what quantize_model reported."""
    model = copy.deepcopy(fp16_model).float().cpu().eval()
    report = quantize_model(model, settings)
    return model.eval(), report


def write_ptq_checkpoint(fp16_checkpoint: Path, settings: QatSettings, out: Path) -> QuantReport:
    """Loads an Ultralytics FP16 checkpoint (its EMA weights, as the export takes them), quantizes, saves `out`."""
    from ultralytics.nn.tasks import load_checkpoint

    fp16_model, _ = load_checkpoint(fp16_checkpoint, device="cpu")
    model, report = quantize_trained_weights(fp16_model, settings)
    save_quant_checkpoint(out, model, settings, {"source_checkpoint": str(fp16_checkpoint), "trained": False})
    return report
