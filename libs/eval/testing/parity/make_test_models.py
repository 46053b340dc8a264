"""Builds tiny ONNX models for the evaluator's tests. Each detector is a 1x1 conv whose output, times zero, is added
to a constant: the model really runs on the image, yet its detections are exactly the constants the test chose.

Usage: python make_test_models.py OUT_DIR < spec.json
spec: {"e2e": [[x1, y1, x2, y2, score, class] x rows], "raw": [[...anchors] x (4 + nc)], "imgsz": 320}
Writes: e2e.onnx [1,3,S,S] -> [1,rows,6]; raw.onnx [batch,3,h,w] -> [1,4+nc,anchors] (dynamic input);
and malformed models: rank3_input.onnx, two_inputs.onnx, bad_output.onnx, batch4.onnx (fixed batch 4);
qdq_batch.onnx: [batch,3,S,S] -> [batch,rows,6], the e2e rows moved by each image's own mean through a conv whose
weight goes QuantizeLinear -> Clip -> DequantizeLinear like a Brevitas QCDQ file (per-image outputs, for batch and
Q/DQ folding tests).
"""
import json
import sys
from pathlib import Path

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper


def constant_detector(name, input_shape, table, input_type=TensorProto.FLOAT, extra_inputs=()):
    table = np.asarray(table, dtype=np.float32)[None]
    inits = [
        numpy_helper.from_array(np.full((1, 3, 1, 1), 0.5, np.float32), "w"),
        numpy_helper.from_array(np.zeros((1,), np.float32), "zero"),
        numpy_helper.from_array(table, "table"),
    ]
    nodes = [
        helper.make_node("Conv", ["images", "w"], ["feat"]),
        helper.make_node("ReduceMean", ["feat"], ["mean"], keepdims=0),
        helper.make_node("Mul", ["mean", "zero"], ["nothing"]),
        helper.make_node("Add", ["table", "nothing"], ["output0"]),
    ]
    inputs = [helper.make_tensor_value_info("images", input_type, input_shape), *extra_inputs]
    outputs = [helper.make_tensor_value_info("output0", TensorProto.FLOAT, list(table.shape))]
    graph = helper.make_graph(nodes, name, inputs, outputs, inits)
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
    model.ir_version = 8
    onnx.checker.check_model(model)
    return model


def qdq_batch_detector(table, imgsz):
    """Rows = table + shift * mean(conv(image)), per image; the conv's 4-bit-coded weight runs through Q -> Clip -> DQ."""
    table = np.asarray(table, dtype=np.float32)[None]
    shift = np.zeros_like(table)
    shift[..., :4] = 8.0  # boxes move with the image content
    shift[..., 4] = 0.01 * (table[..., 4] > 0)  # real detections' scores too, padding rows stay at 0
    rng = np.random.default_rng(0)
    inits = [
        numpy_helper.from_array(rng.normal(0, 0.3, (4, 3, 3, 3)).astype(np.float32), "w_float"),
        numpy_helper.from_array(np.full((4,), 0.05, np.float32), "w_scale"),
        numpy_helper.from_array(np.zeros((4,), np.int8), "w_zero"),
        numpy_helper.from_array(np.array(-7, np.int8), "q_min"),
        numpy_helper.from_array(np.array(7, np.int8), "q_max"),
        numpy_helper.from_array(table, "table"),
        numpy_helper.from_array(shift, "shift"),
        numpy_helper.from_array(np.array([1, 2, 3], np.int64), "axes"),
    ]
    nodes = [
        helper.make_node("QuantizeLinear", ["w_float", "w_scale", "w_zero"], ["w_q"], axis=0),
        helper.make_node("Clip", ["w_q", "q_min", "q_max"], ["w_clipped"]),
        helper.make_node("DequantizeLinear", ["w_clipped", "w_scale", "w_zero"], ["w"], axis=0),
        helper.make_node("Conv", ["images", "w"], ["feat"], pads=[1, 1, 1, 1]),
        helper.make_node("ReduceMean", ["feat", "axes"], ["mean"], keepdims=1),  # [batch, 1, 1, 1]
        helper.make_node("Squeeze", ["mean", "axes_sq"], ["m3"]),  # [batch, 1, 1]
        helper.make_node("Mul", ["m3", "shift"], ["moved"]),
        helper.make_node("Add", ["table", "moved"], ["output0"]),
    ]
    inits.append(numpy_helper.from_array(np.array([3], np.int64), "axes_sq"))
    inputs = [helper.make_tensor_value_info("images", TensorProto.FLOAT, ["batch", 3, imgsz, imgsz])]
    outputs = [helper.make_tensor_value_info("output0", TensorProto.FLOAT, ["batch", table.shape[1], 6])]
    graph = helper.make_graph(nodes, "qdq_batch", inputs, outputs, inits)
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 18)])
    model.ir_version = 8
    onnx.checker.check_model(model)
    return model


def main() -> None:
    out = Path(sys.argv[1])
    spec = json.load(sys.stdin)
    s = spec["imgsz"]
    onnx.save(constant_detector("e2e", [1, 3, s, s], spec["e2e"]), out / "e2e.onnx")
    onnx.save(constant_detector("raw", ["batch", 3, "height", "width"], spec["raw"]), out / "raw.onnx")
    onnx.save(constant_detector("batch4", [4, 3, s, s], spec["e2e"]), out / "batch4.onnx")
    onnx.save(qdq_batch_detector(spec["e2e"], s), out / "qdq_batch.onnx")

    # Malformed: these must be refused with a clear error before any image is read.
    x = helper.make_tensor_value_info("images", TensorProto.FLOAT, [1, s, s])
    y = helper.make_tensor_value_info("out", TensorProto.FLOAT, [1, s, s])
    g = helper.make_graph([helper.make_node("Relu", ["images"], ["out"])], "rank3", [x], [y])
    m = helper.make_model(g, opset_imports=[helper.make_opsetid("", 17)])
    m.ir_version = 8
    onnx.save(m, out / "rank3_input.onnx")

    x = helper.make_tensor_value_info("images", TensorProto.FLOAT, [1, 3, s, s])
    y = helper.make_tensor_value_info("out", TensorProto.FLOAT, [1, 300, 5])
    c = numpy_helper.from_array(np.zeros((1, 300, 5), np.float32), "c")
    g = helper.make_graph([
        helper.make_node("ReduceMean", ["images"], ["m"], keepdims=0),
        helper.make_node("Add", ["c", "m"], ["out"]),
    ], "badout", [x], [y], [c])
    m = helper.make_model(g, opset_imports=[helper.make_opsetid("", 17)])
    m.ir_version = 8
    onnx.save(m, out / "bad_output.onnx")

    extra = helper.make_tensor_value_info("scale", TensorProto.FLOAT, [1])
    onnx.save(constant_detector("two", [1, 3, s, s], spec["e2e"], extra_inputs=[extra]), out / "two_inputs.onnx")


if __name__ == "__main__":
    main()
