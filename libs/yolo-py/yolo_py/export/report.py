"""export.json facts for one ONNX file, including a torch-versus-ONNX Runtime agreement check.

Tolerances (per detection, after row matching, for the end-to-end head; per value for the raw one-to-many head; see
compare.py):
- float: boxes 0.05 px + 1e-4 x |coordinate|, scores 1e-3. Torch (oneDNN) and ONNX Runtime (MLAS)
  both run float32 convs and differ only in accumulation order. Measured on BN-calibrated random models
  (nothing trained is available offline): YOLOv10n@160 0.003 px / 4e-5, YOLOv10m@640 0.011 px / 4e-6.
- qcdq: the same bounds. Brevitas writes the very codes and scales torch fake-quantizes with, and
  DequantizeLinear (int8 x float32 scale) rebuilds the same float32 weights, so the graph is the
  baseline's arithmetic on rounded weights. Its measured noise is about twice the baseline's (0.009 px /
  2e-5 and 0.021 px / 5e-6), still well inside the bounds.
Both bounds sit far below anything that moves COCO mAP, yet a 1% error in every weight scale is caught
(tests/test_export_onnx.py).
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import onnx
import onnxruntime as ort
import torch
from torch import nn

from yolo_py.export.compare import Tolerance, compare_detections, compare_raw_outputs, fixed_inputs
from yolo_py.export.graph_kinds import FLOAT, QCDQ
from yolo_py.export.heads import ONE2ONE
from yolo_py.export.graph_stats import (
    QDQ_OPS,
    conv_parameter_count,
    dequantized_weight_storage,
    initializer_elements,
    io_signature,
    op_counts,
    opset_version,
    weight_bit_widths,
)
from yolo_py.export.onnx_io import INPUT_NAME
from yolo_py.export.prepare import prepare_for_export
from yolo_py.files import sha256_of
from yolo_py.quant.convert import quantized_conv_names

TOLERANCES = {
    FLOAT: Tolerance(box_atol_px=5e-2, box_rtol=1e-4, score_atol=1e-3),
    QCDQ: Tolerance(box_atol_px=5e-2, box_rtol=1e-4, score_atol=1e-3),
}


def onnx_report(path: str | Path, torch_model: nn.Module, imgsz: int, head: str = ONE2ONE) -> dict:
    """Describes the ONNX file at `path` and checks it against `torch_model` (the model it was exported from, with
    `head`): end-to-end outputs row-matched (compare_detections), raw head outputs value by value (compare_raw_outputs)."""
    path = Path(path)
    proto = onnx.load(str(path))
    counts = op_counts(proto)
    storage = dequantized_weight_storage(proto)
    graph = QCDQ if counts.get("DequantizeLinear", 0) else FLOAT
    prepared = prepare_for_export(torch_model, imgsz, head=head)
    images = fixed_inputs(imgsz)
    with torch.no_grad():
        expected = prepared(torch.from_numpy(images)).numpy()
    session = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    actual = session.run(None, {INPUT_NAME: images})[0]
    compare = compare_detections if prepared.model[-1].end2end else compare_raw_outputs
    agreement = compare(expected, actual, TOLERANCES[graph])
    agreement["inputs"] = "batch of 2: seeded uniform noise (seed 0) and a synthetic letterboxed scene"
    return {
        "path": str(path),
        "file_bytes": path.stat().st_size,
        "sha256": sha256_of(path),
        "opset": opset_version(proto),
        **io_signature(proto),
        "graph": graph,
        "head": head,
        "node_counts": {op: counts.get(op, 0) for op in (*QDQ_OPS, "Conv")} | {"total": sum(counts.values())},
        "parameters": {
            "conv_params": conv_parameter_count(proto),
            "initializer_elements": initializer_elements(proto),
            "torch_params": sum(p.numel() for p in prepared.parameters()),
        },
        "quantized_convs_torch": len(quantized_conv_names(prepared)),
        "dequantize_input_types": storage,
        "int_weights": bool(storage) and set(storage) == {"int8"},
        # Integer weights by bit width, read off the graph (each weight's Clip range): per-layer widths show here.
        "weight_bits": {str(bits): n for bits, n in sorted(Counter(weight_bit_widths(proto).values()).items())},
        "torch_vs_ort": agreement,
    }


