"""What both ONNX exports share: the I/O contract, the opset rule, the steps around the exporter call and the
metadata written into the file."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any, Callable

import onnx
import torch
from torch import nn

from yolo_py.export.heads import ONE2ONE
from yolo_py.export.prepare import output_shape, prepare_for_export
from yolo_py.quant.convert import quantized_conv_names

INPUT_NAME = "images"
OUTPUT_NAME = "output0"
BATCH_DIM = "batch"
# Per-axis (per-channel) DequantizeLinear needs opset 13; the TorchScript exporter stops at 20. The baseline
# is held to the same range so both variants can always share one opset.
MIN_OPSET, MAX_OPSET = 13, 20


def check_opset(opset: int) -> None:
    """Raises ValueError unless `opset` is an int both exports (and the installed onnx) support."""
    if isinstance(opset, bool) or not isinstance(opset, int):
        raise ValueError(f"opset must be an int, got {type(opset).__name__} {opset!r}")
    high = min(MAX_OPSET, onnx.defs.onnx_opset_version())
    if not MIN_OPSET <= opset <= high:
        raise ValueError(f"opset must be between {MIN_OPSET} and {high} (TorchScript exporter, QCDQ), got {opset}")


def torchscript_export_kwargs(opset: int) -> dict[str, Any]:
    """torch.onnx.export arguments of both variants: legacy TorchScript exporter, fixed H/W, dynamic batch."""
    return {
        "dynamo": False,
        "opset_version": opset,
        "input_names": [INPUT_NAME],
        "output_names": [OUTPUT_NAME],
        "dynamic_axes": {INPUT_NAME: {0: BATCH_DIM}, OUTPUT_NAME: {0: BATCH_DIM}},
        # Brevitas defaults this to True; initializers listed as graph inputs would be overridable at run
        # time and block ONNX Runtime's constant folding.
        "keep_initializers_as_inputs": False,
    }


def export_onnx(
    model: nn.Module,
    path: str | Path,
    imgsz: int,
    opset: int,
    graph: str,
    exporter: str,
    write: Callable[[nn.Module, torch.Tensor, str, dict[str, Any]], object],
    head: str = ONE2ONE,
) -> dict:
    """The steps both exports share around their exporter call, and their summary.

    Prepares `model` with `head` (prepare_for_export), calls `write(prepared, sample_input, path, export_kwargs)` to
    write the ONNX file (export_kwargs: torchscript_export_kwargs(opset)), then pins its output shape and metadata
    (finalize_onnx). Returns the summary (graph: vocabulary.GRAPH_KINDS, head, path, opset, imgsz, max_det, exporter,
    quantized_convs left after fusing, seconds). The caller checks the opset and the model first.
    """
    start = time.perf_counter()
    prepared = prepare_for_export(model, imgsz, head=head)
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    write(prepared, torch.zeros(1, 3, imgsz, imgsz), str(path), torchscript_export_kwargs(opset))
    finalize_onnx(path, prepared, graph, imgsz, head)
    return {
        "graph": graph,
        "head": head,
        "path": str(path),
        "opset": opset,
        "imgsz": imgsz,
        "max_det": prepared.model[-1].max_det,
        "exporter": exporter,
        "quantized_convs": len(quantized_conv_names(prepared)),
        "seconds": round(time.perf_counter() - start, 2),
    }


def finalize_onnx(path: Path, prepared: nn.Module, graph: str, imgsz: int, head: str = ONE2ONE) -> None:
    """Pins the output shape ([batch, max_det, 6] end-to-end, [batch, 4 + nc, anchors] raw) and stores decoding
    facts as metadata_props.

    Values are written the way Ultralytics' own Exporter writes them (Python literals: `[640, 640]`, `True`,
    `{0: 'person'}`), so Ultralytics' AutoBackend can load these files too (it parses them with ast.literal_eval;
    `end2end` tells it whether to run NMS).

    The TorchScript exporter leaves the top-k output's static dims symbolic ('Concatoutput0_dim_1'); a
    consumer checking the contract should read 300 and 6 from the file. ONNX Runtime verifies the pinned
    shape on every run, so a wrong pin could not go unnoticed.
    """
    proto = onnx.load(str(path))
    detect = prepared.model[-1]
    dims = proto.graph.output[0].type.tensor_type.shape.dim
    if len(dims) != 3:
        raise RuntimeError(f"{path}: expected a rank-3 output, the export produced rank {len(dims)}")
    for dim, value in zip(dims[1:], output_shape(prepared, imgsz)):
        dim.Clear()
        dim.dim_value = value
    names = getattr(prepared, "names", None) or {}
    meta = {
        "graph": graph,
        "head": head,
        "imgsz": [imgsz, imgsz],
        "stride": int(max(prepared.stride)),
        "max_det": detect.max_det,
        "end2end": bool(detect.end2end),
        "output_format": (
            "x1,y1,x2,y2,score,class in input pixels"
            if detect.end2end
            else "cx,cy,w,h in input pixels, then one sigmoid score per class, per anchor (channel-major); needs NMS"
        ),
        "names": {int(k): v for k, v in dict(names).items()},
    }
    del proto.metadata_props[:]
    for key, value in meta.items():
        entry = proto.metadata_props.add()
        entry.key, entry.value = key, value if isinstance(value, str) else repr(value)
    onnx.checker.check_model(proto)
    onnx.save(proto, str(path))
