"""Facts read off an ONNX graph: node counts, I/O signature, parameters and how the weights are stored.

Pure functions over an onnx.ModelProto; nothing here runs the graph.
"""

from __future__ import annotations

from collections import Counter
from typing import Any

import numpy as np
import onnx
from onnx import TensorProto, numpy_helper

# Ops that only pass a constant tensor along (or re-express it) between its storage and its consumer.
_PASS_THROUGH = {"Identity", "Clip", "DequantizeLinear", "QuantizeLinear", "Cast"}
QDQ_OPS = ("QuantizeLinear", "DequantizeLinear", "Clip")
INT4_MIN, INT4_MAX = -8, 7
INT8_MIN, INT8_MAX = -128, 127


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


def weight_bit_widths(proto: onnx.ModelProto) -> dict[str, int]:
    """Each integer weight's bit width by the DequantizeLinear it feeds, read off its Clip range (or, without a
    Clip, its storage type's): the largest code is 2**(bits-1) - 1 in narrow and wide range alike."""
    inits, chains = integer_weights(proto.graph)
    widths = {}
    for node, codes_name, clip in chains:
        _, high = code_range(clip, inits, inits[codes_name].data_type)
        widths[node.name] = (high + 1).bit_length()
    return widths


_INTEGER_RANGES = {TensorProto.INT8: (INT8_MIN, INT8_MAX), TensorProto.INT4: (INT4_MIN, INT4_MAX)}


def integer_weights(graph: onnx.GraphProto) -> tuple[dict[str, TensorProto], list[tuple[onnx.NodeProto, str, onnx.NodeProto | None]]]:
    """The initializers by name, and each DequantizeLinear of a stored integer weight with that weight's initializer
    name and its Clip (or None), in graph order."""
    inits = {t.name: t for t in graph.initializer}
    producer = {out: node for node in graph.node for out in node.output}
    chains = []
    for node in graph.node:
        chain = integer_weight(node, inits, producer)
        if chain is not None:
            chains.append((node, *chain))
    return inits, chains


def integer_weight(node: onnx.NodeProto, inits: dict, producer: dict) -> tuple[str, onnx.NodeProto | None] | None:
    """(integer initializer, Clip or None) when `node` is a DequantizeLinear of a stored integer weight."""
    if node.op_type != "DequantizeLinear":
        return None
    source = node.input[0]
    clip = producer.get(source)
    if clip is not None:
        if clip.op_type != "Clip":
            return None
        source = clip.input[0]
    if source not in inits or inits[source].data_type not in _INTEGER_RANGES:
        return None
    return source, clip


def code_range(clip: onnx.NodeProto | None, inits: dict, data_type: int = TensorProto.INT8) -> tuple[int, int]:
    """The codes' range: the Clip's bounds, or the storage type's when there is no Clip."""
    if clip is None:
        return _INTEGER_RANGES[data_type]
    low, high = (int(numpy_helper.to_array(inits[name])) for name in clip.input[1:3])
    return low, high


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
