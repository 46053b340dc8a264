"""W4A16 weight-only fake quantization of Ultralytics models with Brevitas, and its checkpoint format."""

from yolo_py.quant.batched import BatchedWeightQuant
from yolo_py.quant.checkpoint import drop_optimizer_state, load_quant_checkpoint, save_quant_checkpoint
from yolo_py.quant.convert import QuantReport, quant_report, quantize_model, quantized_conv_names
from yolo_py.quant.settings import QatSettings

__all__ = [
    "BatchedWeightQuant",
    "QatSettings",
    "QuantReport",
    "drop_optimizer_state",
    "load_quant_checkpoint",
    "quant_report",
    "quantize_model",
    "quantized_conv_names",
    "save_quant_checkpoint",
]
