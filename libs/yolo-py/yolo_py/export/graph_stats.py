"""Facts read off an ONNX graph: node counts, I/O signature, parameters and how the weights are stored.

Pure functions over an onnx.ModelProto; nothing here runs the graph.
"""

from __future__ import annotations

from collections import Counter
from typing import Any

import numpy as np
import onnx
from onnx import TensorProto

# Ops that only pass a constant tensor along (or re-express it) between its storage and its consumer.
_PASS_THROUGH = {"Identity", "Clip", "DequantizeLinear", "QuantizeLinear", "Cast"}
QDQ_OPS = ("QuantizeLinear", "DequantizeLinear", "Clip")


def op_counts(model: onnx.ModelProto) -> dict[str, int]:
    """How many nodes of each op type the main graph has."""
    return dict(Counter(node.op_type for node in model.graph.node))


def io_signature(model: onnx.ModelProto) -> dict[str, list[dict[str, Any]]]:
    """Graph inputs (initializers excluded) and outputs with element type and shape; symbolic dims as names."""
    initializers = {init.name for init in model.graph.initializer}

    def describe(value: onnx.ValueInfoProto) -> dict[str, Any]:
        tensor = value.type.tensor_type
        shape = [d.dim_param if d.dim_param else d.dim_value for d in tensor.shape.dim]
        return {"name": value.name, "dtype": TensorProto.DataType.Name(tensor.elem_type).lower(), "shape": shape}

    return {
        "inputs": [describe(v) for v in model.graph.input if v.name not in initializers],
        "outputs": [describe(v) for v in model.graph.output],
    }


def opset_version(model: onnx.ModelProto) -> int:
    """The default-domain opset the graph was exported with."""
    return next(op.version for op in model.opset_import if op.domain in ("", "ai.onnx"))


def initializer_elements(model: onnx.ModelProto) -> int:
    """Elements stored in the initializers, as on disk (the exporter stores identical tensors once)."""
    return sum(int(np.prod(init.dims, dtype=np.int64)) for init in model.graph.initializer)


def conv_parameter_count(model: onnx.ModelProto) -> int:
    """Elements of every Conv's weight and bias, traced back to their stored tensor.

    This is the inference parameter count (all YOLOv10 parameters live in convs once BN is folded) and,
    unlike initializer_elements, it does not shrink when the exporter deduplicates equal tensors.
    """
    source = _constant_source(model)
    total = 0
    for node in model.graph.node:
        if node.op_type != "Conv":
            continue
        for name in node.input[1:]:
            tensor = source(name)
            if tensor is None:
                raise ValueError(f"Conv '{node.name}' input '{name}' is not a constant: cannot count its parameters")
            total += int(np.prod(tensor.dims, dtype=np.int64))
    return total


def dequantized_weight_storage(model: onnx.ModelProto) -> dict[str, int]:
    """How DequantizeLinear inputs are stored: counts by element type of the constant feeding each DQ node.

    A QCDQ weight is an int8 initializer -> Clip (to the narrow 4-bit range) -> DequantizeLinear; a DQ fed by
    a float tensor (through QuantizeLinear) would mean the weights were shipped as floats.
    """
    source = _constant_source(model, through={"Identity", "Clip"})
    counts: Counter[str] = Counter()
    for node in model.graph.node:
        if node.op_type == "DequantizeLinear":
            tensor = source(node.input[0])
            counts["non_constant" if tensor is None else TensorProto.DataType.Name(tensor.data_type).lower()] += 1
    return dict(counts)


def quantized_conv_counts(model: onnx.ModelProto) -> dict[str, int]:
    """Convs whose weight and whose activation input come out of a DequantizeLinear, of all Convs: Q/DQ coverage."""
    producers = {out: node for node in model.graph.node for out in node.output}
    from_dq = lambda name: getattr(producers.get(name), "op_type", None) == "DequantizeLinear"
    convs = [node for node in model.graph.node if node.op_type == "Conv"]
    return {
        "convs": len(convs),
        "weight_quantized": sum(from_dq(node.input[1]) for node in convs),
        "activation_quantized": sum(from_dq(node.input[0]) for node in convs),
    }


def _constant_source(model: onnx.ModelProto, through: set[str] = _PASS_THROUGH):
    """A resolver from a tensor name to the initializer / Constant tensor it is derived from, or None."""
    initializers = {init.name: init for init in model.graph.initializer}
    producers = {out: node for node in model.graph.node for out in node.output}

    def resolve(name: str) -> TensorProto | None:
        while name not in initializers:
            node = producers.get(name)
            if node is None:
                return None
            if node.op_type == "Constant":
                return next((a.t for a in node.attribute if a.name == "value"), None)
            if node.op_type not in through:
                return None
            name = node.input[0]
        return initializers[name]

    return resolve
