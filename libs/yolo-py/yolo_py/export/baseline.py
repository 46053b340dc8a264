"""ONNX export of the float baseline (the AMP/FP16-trained model) with either YOLOv10 head (end-to-end by default).

The graph is float32: AMP trains with float32 master weights, ONNX Runtime's CPU kernels are float32,
and the QCDQ file dequantizes to float32 too, so both variants run with the same arithmetic.

Ultralytics' Exporter is not driven directly: it cannot export the Brevitas variant (its QAT path knows
only ModelOpt quantizers), its dynamic=True also frees height and width and labels the end-to-end
output's last axis as 'anchors', and it names its output after the model YAML in the working directory.
Instead both variants go through prepare_for_export, which mirrors the Exporter's model preparation;
tests/test_export_onnx.py checks the result against the Exporter's own ONNX file.
"""

from __future__ import annotations

import warnings
from pathlib import Path

import torch
from brevitas.nn import QuantConv2d
from torch import nn

from yolo_py.export.graph_kinds import FLOAT
from yolo_py.export.heads import ONE2ONE
from yolo_py.export.onnx_io import check_opset, export_onnx


def export_baseline_onnx(model: nn.Module, path: str | Path, imgsz: int, opset: int, head: str = ONE2ONE) -> dict:
    """Exports a float DetectionModel to `path`: input images [batch,3,imgsz,imgsz], output0 [batch,300,6] for the
    one-to-one head, [batch,4+nc,anchors] for the one-to-many one (prepare.prepare_for_export).

    Returns a summary (graph "float", head, path, opset, imgsz, max_det, exporter, quantized_convs=0, seconds).
    """
    check_opset(opset)
    if any(isinstance(m, QuantConv2d) for m in model.modules()):
        raise ValueError("model holds Brevitas QuantConv2d layers: export it with export_qcdq_onnx")
    return export_onnx(model, path, imgsz, opset, FLOAT, "torch.onnx.export (TorchScript, dynamo=False)", _write, head)


def _write(prepared: nn.Module, sample: torch.Tensor, path: str, export_kwargs: dict) -> None:
    with torch.no_grad(), warnings.catch_warnings():
        # Expected and understood: the legacy exporter is chosen on purpose, and the head's shape checks are
        # meant to be traced as constants (fixed H, W). Brevitas silences the same warnings for the QCDQ file.
        warnings.filterwarnings("ignore", category=torch.jit.TracerWarning)
        warnings.filterwarnings("ignore", message=".*legacy TorchScript-based ONNX export", category=DeprecationWarning)
        torch.onnx.export(prepared, sample, path, **export_kwargs)
