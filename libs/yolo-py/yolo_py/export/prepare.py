"""Puts a DetectionModel into the state Ultralytics' Exporter exports from, for both variants alike.

Mirrors ultralytics.engine.exporter.Exporter.__call__ for format='onnx', dynamic=False: a deep copy in
eval/float32 with gradients off, Conv+BN folded (fuse), the head switched to export mode, and C2f on its split
forward. For the one-to-one head (nms=False) the one-to-many branch is dropped and the head returns its end-to-end
(NMS-free) top-k output; for the one-to-many head (nms unset, Ultralytics' default) the one-to-one branch is dropped
and the head returns its raw output, decoded boxes and class scores per anchor, for NMS after the model.
Both the baseline and the QCDQ export go through this one function, so their graphs differ only by the
quantization nodes (and the unmerged RepVGGDW branches explained below).

Folding BN into a QuantConv2d keeps per-output-channel weight quantization intact: scaling a channel by
c = gamma / sqrt(var + eps) scales its AbsMax scale by |c| and leaves its integer codes unchanged (up to
sign), so the fused fake-quant conv computes what conv-then-BN computed. In float32 a weight sitting
exactly on a rounding tie (w / s = k + 0.5) could still flip, so each quantized weight is first replaced by
its fake-quantized value (codes * scale): re-quantizing that lands far from any tie, and the exported codes
are exactly the trained ones. Ultralytics' fuse_conv_and_bn assigns the folded weight and bias onto the
existing conv module, so the QuantConv2d survives.
Merging two branches into one kernel (RepVGGDW in C2fCIB, RepConv, Conv2) is not exact: the rounding of
a sum is not the sum of the roundings. For quantized models those blocks keep their branches, each
BN-folded on its own: the rule Ultralytics applies to its own (ModelOpt) QAT models in fuse().
"""

from __future__ import annotations

import copy

import torch
from brevitas.nn import QuantConv2d
from torch import nn

from yolo_py.export.heads import HEADS, ONE2ONE

MAX_DET = 300


def prepare_for_export(model: nn.Module, imgsz: int, max_det: int = MAX_DET, head: str = ONE2ONE) -> nn.Module:
    """A fused, export-ready copy of `model` with the given head (heads.HEADS) and its output (output_shape):

    - one2one: [N, max_det, 6], x1 y1 x2 y2 score class, the NMS-free end-to-end output;
    - one2many-nms: [N, 4 + nc, anchors], cx cy w h in input pixels then the class scores (sigmoid), for NMS.

    The input model is left untouched. Raises ValueError for an unknown head, models without a YOLOv10 one-to-one
    head or an image size the strides do not divide.
    """
    from ultralytics.nn.modules import C2f, Detect

    if head not in HEADS:
        raise ValueError(f"head must be one of {', '.join(HEADS)}, got {head!r}")
    detect = model.model[-1] if hasattr(model, "model") else None
    if not isinstance(detect, Detect) or getattr(detect, "one2one_cv2", None) is None or detect.cv2 is None:
        raise ValueError("export needs a DetectionModel with both YOLOv10 heads (one-to-one and one-to-many), e.g. from yolov10*.yaml")
    stride = int(max(model.stride))
    if imgsz <= 0 or imgsz % stride:
        raise ValueError(f"imgsz must be a positive multiple of the model stride {stride}, got {imgsz}")

    model = copy.deepcopy(model).cpu()
    for p in model.parameters():
        p.requires_grad = False
    model.eval().float()
    # Read by the head's fuse(): one2one keeps the one-to-one branch and drops the one-to-many one, and the reverse.
    model.end2end = head == ONE2ONE
    model = _fuse(model)
    anchors = sum((imgsz // int(s)) ** 2 for s in model.stride.tolist())
    for m in model.modules():
        if isinstance(m, Detect):
            m.dynamic = False  # fixed H, W: anchors and strides become graph constants
            m.export = True  # forward returns the tensor alone
            m.format = "onnx"
            m.max_det = min(max_det, anchors)
            m.agnostic_nms = False
            m.xyxy = False  # the raw head's boxes are cx cy w h (Ultralytics' export); the end-to-end decode is always xyxy
            m.shape = None  # forget anchors cached for another input size
        elif isinstance(m, C2f):
            m.forward = m.forward_split  # split instead of chunk: the graph Ultralytics exports
    with torch.no_grad():
        out = model(torch.zeros(1, 3, imgsz, imgsz))  # dry run: builds the anchors for this size
    expected = (1, *output_shape(model, imgsz))
    if tuple(out.shape) != expected:
        raise RuntimeError(f"prepared model ({head}) returns shape {tuple(out.shape)}, expected {expected}")
    return model


def output_shape(prepared: nn.Module, imgsz: int) -> tuple[int, int]:
    """A prepared model's output shape per image: (max_det, 6) end-to-end, (4 + nc, anchors) for the raw head."""
    detect = prepared.model[-1]
    if detect.end2end:
        return detect.max_det, 6
    return 4 + detect.nc, sum((imgsz // int(s)) ** 2 for s in prepared.stride.tolist())


def _fuse(model: nn.Module) -> nn.Module:
    """Ultralytics' fuse() for float models; for quantized ones, per-conv BN folding without branch merging."""
    if not any(isinstance(m, QuantConv2d) for m in model.modules()):
        return model.fuse(verbose=False)
    from ultralytics.nn.modules import Conv, Conv2, Detect
    from ultralytics.utils.torch_utils import fuse_conv_and_bn

    with torch.no_grad():
        for m in model.modules():
            if isinstance(m, QuantConv2d) and m.weight_quant.is_quant_enabled:
                m.weight.copy_(m.quant_weight().value)  # bake the rounding in before folding (see module doc)
    # RepVGGDW / RepConv containers are left alone (their forward sums the branches); the Conv wrappers
    # inside them are visited by modules() like any other. Conv2 shares one BN across two convs: kept as is.
    for m in model.modules():
        if isinstance(m, Conv) and not isinstance(m, Conv2) and hasattr(m, "bn"):
            m.conv = fuse_conv_and_bn(m.conv, m.bn)
            delattr(m, "bn")
            m.forward = m.forward_fuse
        elif isinstance(m, Detect):
            m.fuse()  # drops the branch of the head not exported (see model.end2end in prepare_for_export)
    return model
