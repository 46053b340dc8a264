"""QCDQ ONNX export of the W4A16 QAT model through Brevitas' standard ONNX manager.

Each quantized conv weight is stored as an int8 initializer holding the 4-bit codes, then Clip (to the
narrow -7..7 range) and a per-channel DequantizeLinear feed the float Conv; activations stay float.
The TorchScript exporter (dynamo=False) is used because Brevitas' dynamo path cannot store integer
weights (it needs export_weight_q_node=True, i.e. float weights plus QuantizeLinear). No onnxslim or
other simplifier runs on the file: it could fold the Q/DQ pattern back into float weights.
"""

from __future__ import annotations

from pathlib import Path

import torch
from brevitas.export import export_onnx_qcdq
from torch import nn

from yolo_py.export.graph_kinds import QCDQ
from yolo_py.export.heads import ONE2ONE
from yolo_py.export.onnx_io import check_opset, export_onnx
from yolo_py.quant.convert import quantized_conv_names


def export_qcdq_onnx(qat_model: nn.Module, path: str | Path, imgsz: int, opset: int, head: str = ONE2ONE) -> dict:
    """Exports a quantized DetectionModel to `path` with the baseline's I/O contract for `head` ([batch,300,6]
    one-to-one, [batch,4+nc,anchors] one-to-many).

    Returns a summary (graph "qcdq", head, path, opset, imgsz, max_det, exporter, quantized_convs, seconds), where
    quantized_convs counts the quantized convs left after fusing (the other head's branch is dropped).
    """
    check_opset(opset)
    if not quantized_conv_names(qat_model):
        raise ValueError("model holds no quantized QuantConv2d: run quantize_model first or use export_baseline_onnx")
    exporter = "brevitas.export.export_onnx_qcdq (TorchScript, dynamo=False)"
    return export_onnx(qat_model, path, imgsz, opset, QCDQ, exporter, _write, head)


def _write(prepared: nn.Module, sample: torch.Tensor, path: str, export_kwargs: dict) -> None:
    export_onnx_qcdq(
        prepared,
        args=sample,
        export_path=path,
        export_weight_q_node=False,  # store integer weights, not float weights plus a QuantizeLinear
        **export_kwargs,
    )
