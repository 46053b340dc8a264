"""Puts a DetectionModel into the state Ultralytics' Exporter exports from, for both variants alike.

Mirrors ultralytics.engine.exporter.Exporter.__call__ for format='onnx', nms=False, dynamic=False: a deep
copy in eval/float32 with gradients off, Conv+BN folded (fuse), the one-to-many branch dropped, the
head switched to export mode with the end-to-end (NMS-free) top-k output, and C2f on its split forward.
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

MAX_DET = 300


def prepare_for_export(model: nn.Module, imgsz: int, max_det: int = MAX_DET) -> nn.Module:
    """A fused, export-ready copy of `model` whose forward returns [N, max_det, 6] (x1 y1 x2 y2 score class).

    The input model is left untouched. Raises ValueError for models without a YOLOv10 one-to-one head or
    an image size the strides do not divide.
    """
    from ultralytics.nn.modules import C2f, Detect

    head = model.model[-1] if hasattr(model, "model") else None
    if not isinstance(head, Detect) or getattr(head, "one2one_cv2", None) is None:
        raise ValueError("export needs a DetectionModel with a one-to-one (end-to-end) head, e.g. from yolov10*.yaml")
    stride = int(max(model.stride))
    if imgsz <= 0 or imgsz % stride:
        raise ValueError(f"imgsz must be a positive multiple of the model stride {stride}, got {imgsz}")

    model = copy.deepcopy(model).cpu()
    for p in model.parameters():
        p.requires_grad = False
    model.eval().float()
    model.end2end = True  # read by the head's fuse(): keep the one-to-one branch, drop the one-to-many one
    model = _fuse(model)
    anchors = sum((imgsz // int(s)) ** 2 for s in model.stride.tolist())
    for m in model.modules():
        if isinstance(m, Detect):
            m.dynamic = False  # fixed H, W: anchors and strides become graph constants
            m.export = True  # forward returns the tensor alone
            m.format = "onnx"
            m.max_det = min(max_det, anchors)
            m.agnostic_nms = False
            m.xyxy = False  # unused by the end-to-end decode, which is always xyxy
            m.shape = None  # forget anchors cached for another input size
        elif isinstance(m, C2f):
            m.forward = m.forward_split  # split instead of chunk: the graph Ultralytics exports
    with torch.no_grad():
        out = model(torch.zeros(1, 3, imgsz, imgsz))  # dry run: builds the anchors for this size
    if tuple(out.shape) != (1, min(max_det, anchors), 6):
        raise RuntimeError(f"prepared model returns shape {tuple(out.shape)}, expected (1, {min(max_det, anchors)}, 6)")
    return model


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
            m.fuse()  # drops the one-to-many branch
    return model
