"""Box arithmetic of the detection loss: anchor grid, decoding, Complete IoU, box-to-side distances.

Every formula performs its operations in the order and the dtypes that Ultralytics' do (utils/tal.py, utils/metrics.py
bbox_iou, utils/loss.py). Floating point is not associative, and the assigner's top-k and arg-max turn a last-bit
difference into another anchor choice, so the order is part of the contract; it also makes autocast pick the same
precision for each step. All functions broadcast, so one call covers a dense (batch, boxes, anchors) grid.
"""

from __future__ import annotations

import math
from typing import NamedTuple

import torch

CIOU_EPS = 1e-7  # Ultralytics' bbox_iou default


class AnchorGrid(NamedTuple):
    """Anchor centres of all levels, concatenated in the head's order."""

    points: torch.Tensor  # (A, 2) x, y in cells of the anchor's own level (cell centres: +0.5)
    strides: torch.Tensor  # (A, 1) pixels per cell of the anchor's level
    image_h: float  # input size in pixels, from the finest level's shape
    image_w: float


def anchor_grid(feats: list[torch.Tensor], strides: tuple[float, ...]) -> AnchorGrid:
    """The grid of the head's feature maps; only their shapes, dtype and device are read. Built on the maps' device
    from shapes and Python numbers, so no host data is copied (a capture would refuse the copy)."""
    dtype, device = feats[0].dtype, feats[0].device
    points, cell = [], []
    for feat, stride in zip(feats, strides):
        h, w = feat.shape[2:]
        # Integer positions cast to the maps' dtype, then the half-cell offset in that dtype, as make_anchors does.
        xs = torch.arange(w, device=device).to(dtype) + 0.5
        ys = torch.arange(h, device=device).to(dtype) + 0.5
        grid_y, grid_x = torch.meshgrid(ys, xs, indexing="ij")
        points.append(torch.stack((grid_x, grid_y), -1).view(-1, 2))
        cell.append(torch.full((h * w, 1), stride, dtype=dtype, device=device))
    return AnchorGrid(
        torch.cat(points), torch.cat(cell), float(feats[0].shape[2] * strides[0]), float(feats[0].shape[3] * strides[0])
    )


def decode_boxes(pred_dist: torch.Tensor, points: torch.Tensor, bins: torch.Tensor) -> torch.Tensor:
    """xyxy boxes (cells) from the head's per-side distributions (b, A, 4 * reg_max): each side's distance is the
    expectation of its softmax over the bins 0..reg_max-1."""
    b, a, c = pred_dist.shape
    sides = pred_dist.view(b, a, 4, c // 4).softmax(3).matmul(bins.type(pred_dist.dtype))
    near, far = sides.chunk(2, -1)
    return torch.cat((points - near, points + far), -1)


def box_sides(points: torch.Tensor, boxes: torch.Tensor, upper: float) -> torch.Tensor:
    """Distances (left, top, right, bottom) from each anchor to the sides of its xyxy box, clamped to [0, upper]
    so the bin to the right of the distance exists."""
    top_left, bottom_right = boxes.chunk(2, -1)
    return torch.cat((points - top_left, bottom_right - points), -1).clamp(0, upper)


def complete_iou(box1: torch.Tensor, box2: torch.Tensor, eps: float = CIOU_EPS) -> torch.Tensor:
    """CIoU (Zheng et al. 2020) of xyxy boxes, shape (..., 1): IoU less the normalized centre distance and the
    aspect-ratio term, whose trade-off weight is a constant for the gradient (no_grad), as in Ultralytics. The
    arguments are not symmetric in floating point: the assigner passes (ground truth, prediction), the box loss
    (prediction, target), each as Ultralytics does."""
    ax1, ay1, ax2, ay2 = box1.chunk(4, -1)
    bx1, by1, bx2, by2 = box2.chunk(4, -1)
    a_w, a_h = ax2 - ax1, ay2 - ay1 + eps  # eps on the heights only: they divide in the aspect term
    b_w, b_h = bx2 - bx1, by2 - by1 + eps
    # In the assigner every full-size term is (batch, boxes, anchors): each is dropped once used, so few of them
    # are alive at once (the peak a captured graph's memory pool keeps). Autograd keeps what it needs regardless.
    inter = (ax2.minimum(bx2) - ax1.maximum(bx1)).clamp(0) * (ay2.minimum(by2) - ay1.maximum(by1)).clamp(0)
    iou = inter / (a_w * a_h + b_w * b_h - inter + eps)
    del inter
    hull_diagonal2 = (ax2.maximum(bx2) - ax1.minimum(bx1)).pow(2) + (ay2.maximum(by2) - ay1.minimum(by1)).pow(2) + eps
    centre_distance2 = ((bx1 + bx2 - ax1 - ax2).pow(2) + (by1 + by2 - ay1 - ay2).pow(2)) / 4
    distance = centre_distance2 / hull_diagonal2
    del hull_diagonal2, centre_distance2
    aspect = (4 / math.pi**2) * ((b_w / b_h).atan() - (a_w / a_h).atan()).pow(2)
    with torch.no_grad():
        trade_off = aspect / (1 - iou + aspect + eps)
    return iou - (distance + aspect * trade_off)
