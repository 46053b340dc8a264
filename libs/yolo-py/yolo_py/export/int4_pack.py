"""Packed 4-bit ONNX from the QCDQ file: the same graph with INT4 weight initializers, opset 21.

Brevitas' QCDQ stores each quantized weight as an int8 initializer, then Clip (to its bit width's range, e.g.
-7..7; an 8-bit wide-range weight has no Clip) and a per-axis DequantizeLinear. ONNX added INT4 tensors (two
values per byte) and DequantizeLinear over them in opset 21, so here each such chain whose Clip range fits int4
(weights of at most 4 bits) becomes one INT4 initializer (and an INT4 zero point) feeding the DequantizeLinear
directly: the file then holds 4 bits per such weight. Wider weights (per-layer bit widths: e.g. an 8-bit first
conv and head) keep their int8 chain. The Clip is a no-op on codes already in range (checked here), so the
dequantized weights, and with them every output, are the QCDQ file's. The graph is moved to opset 21 with onnx's
version converter first.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper, version_converter

from yolo_py.export.graph_stats import INT4_MAX, INT4_MIN, code_range, integer_weights

PACKED_OPSET = 21


def storage_bits(bit_width: int) -> int:
    """Bits a `bit_width`-wide weight takes per code in the packed file: 4 when its range fits int4 (up to 4 bits,
    narrow range or not), else 8 (kept int8): what pack_int4 decides from the weight's Clip range."""
    return 4 if 2 ** (bit_width - 1) - 1 <= INT4_MAX else 8


def pack_int4(src: str | Path, dst: str | Path) -> dict:
    """Writes the packed copy of the QCDQ file `src` to `dst`; returns counts of what was packed and kept int8.

    Raises ValueError when `src` holds no int8 [-> Clip] -> DequantizeLinear weight chain (not a QCDQ export),
    or a weight whose codes leave its Clip range.
    """
    proto = version_converter.convert_version(onnx.load(str(src)), PACKED_OPSET)
    graph = proto.graph
    inits, chains = integer_weights(graph)
    consumers: dict[str, int] = {}
    for node in graph.node:
        for name in node.input:
            consumers[name] = consumers.get(name, 0) + 1

    packed, dropped, packed_elements, kept, kept_elements = 0, [], 0, 0, 0
    for node, codes_name, clip in chains:
        codes = numpy_helper.to_array(inits[codes_name])
        if codes.dtype != np.int8:
            continue
        low, high = code_range(clip, inits)
        if low < INT4_MIN or high > INT4_MAX:  # wider than 4 bits: stays an int8 Q/DQ weight
            kept += 1
            kept_elements += codes.size
            continue
        zero_point = numpy_helper.to_array(inits[node.input[2]]) if len(node.input) > 2 and node.input[2] else None
        if codes.min() < low or codes.max() > high:
            raise ValueError(f"{src}: weight '{codes_name}' holds codes outside its Clip range {low}..{high}")
        if zero_point is not None and np.any(zero_point != 0):
            raise ValueError(f"{src}: weight '{codes_name}' has a non-zero zero point (expected symmetric QCDQ)")
        weight_name = f"{codes_name}_int4"
        graph.initializer.append(int4_tensor(weight_name, codes))
        node.input[0] = weight_name
        if zero_point is not None:
            zp_name = f"{weight_name}_zero_point"
            graph.initializer.append(int4_tensor(zp_name, zero_point))
            node.input[2] = zp_name
        if clip is not None:
            consumers[clip.output[0]] -= 1
            if consumers[clip.output[0]] == 0:
                dropped.append(clip)
        packed += 1
        packed_elements += codes.size
    if not packed + kept:
        raise ValueError(f"{src}: no int8 -> Clip -> DequantizeLinear weight to pack (not a QCDQ export?)")
    for clip in dropped:
        graph.node.remove(clip)
    _drop_unused_initializers(graph)
    onnx.checker.check_model(proto, full_check=True)
    onnx.save(proto, str(dst))
    return {
        "opset": PACKED_OPSET,
        "packed_weights": packed,
        "packed_elements": packed_elements,
        "int8_weights": kept,
        "int8_elements": kept_elements,
    }


def int4_tensor(name: str, codes: np.ndarray) -> TensorProto:
    """An INT4 initializer in raw_data, two codes per byte, the first in the low nibble (the ONNX layout).

    helper.make_tensor with a value list would store each byte as a varint in int32_data, about twice the
    size, so the bytes are packed here.
    """
    if codes.size and (codes.min() < INT4_MIN or codes.max() > INT4_MAX):
        raise ValueError(f"initializer '{name}': codes outside {INT4_MIN}..{INT4_MAX} cannot be stored as int4")
    nibbles = (codes.astype(np.int8).ravel() & 0x0F).astype(np.uint8)
    if nibbles.size % 2:
        nibbles = np.append(nibbles, np.uint8(0))
    packed = nibbles[0::2] | (nibbles[1::2] << 4)
    return helper.make_tensor(name, TensorProto.INT4, list(codes.shape), packed.tobytes(), raw=True)


def int4_weight_codes(path: str | Path) -> dict[str, np.ndarray]:
    """The INT4-stored weight codes of a packed file by the DequantizeLinear they feed (node name -> int8 array)."""
    proto = onnx.load(str(path))
    inits = {t.name: t for t in proto.graph.initializer}
    return {
        node.name: numpy_helper.to_array(inits[node.input[0]]).astype(np.int8)
        for node in proto.graph.node
        if node.op_type == "DequantizeLinear" and node.input[0] in inits and inits[node.input[0]].data_type == TensorProto.INT4
    }


def weight_codes(path: str | Path) -> dict[str, np.ndarray]:
    """Every integer weight's codes (int8 or INT4, through a Clip or not) by the DequantizeLinear they feed, as
    int8 arrays: the same keys and codes for a QCDQ file and its packed copy."""
    inits, chains = integer_weights(onnx.load(str(path)).graph)
    return {node.name: numpy_helper.to_array(inits[codes_name]).astype(np.int8) for node, codes_name, _ in chains}


def _drop_unused_initializers(graph: onnx.GraphProto) -> None:
    used = {name for node in graph.node for name in node.input} | {o.name for o in graph.output}
    keep = [t for t in graph.initializer if t.name in used]
    del graph.initializer[:]
    graph.initializer.extend(keep)
