"""ONNX exports of the two variants (float baseline, Brevitas QCDQ) with one I/O contract, and their report."""

from yolo_py.export.baseline import export_baseline_onnx
from yolo_py.export.prepare import prepare_for_export
from yolo_py.export.qcdq import export_qcdq_onnx
from yolo_py.export.report import TOLERANCES, onnx_report

__all__ = ["TOLERANCES", "export_baseline_onnx", "export_qcdq_onnx", "onnx_report", "prepare_for_export"]
