"""Task-aligned assignment (TOOD, Feng et al. 2021) over a fixed box table: the targets of Ultralytics'
TaskAlignedAssigner, with every shape fixed by (batch, boxes per image M, anchors A, classes).

Ultralytics gathers the (box, anchor) candidate pairs with `nonzero` and scores only those. Here every pair of the
(batch, M, A) grid is scored and the non-candidates are set to zero, which is what Ultralytics' scatter into a
zero tensor leaves there; the decisions then read the same numbers. Masked (padding) boxes are never candidates,
and every reduction over boxes either sums, or takes a maximum of non-negative values that their zeros cannot
raise, or an arg-max whose first-index tie rule puts them after the real boxes: they change nothing.
"""

from __future__ import annotations

from typing import NamedTuple

import torch

from yolo_py.static_loss.boxes import AnchorGrid, complete_iou

ALPHA = 0.5  # weight of the class score in the alignment metric (Ultralytics' v8DetectionLoss setting)
BETA = 6.0  # weight of the overlap
EPS = 1e-9  # TaskAlignedAssigner's: inside-box margin and normalization guard


class GroundTruth(NamedTuple):
    """The padded boxes on the device, in the assigner's terms; shared by both heads of a step."""

    labels: torch.Tensor  # (b, M) class index, 0 on padding
    boxes: torch.Tensor  # (b, M, 4) xyxy in pixels, 0 on padding
    valid: torch.Tensor  # (b, M) bool
    in_box: torch.Tensor  # (b, M, A) bool: the anchor's centre lies inside the (widened) box of a valid row


class Assignment(NamedTuple):
    target_boxes: torch.Tensor  # (b, A, 4) xyxy pixels of the anchor's box (meaningless off the foreground)
    target_scores: torch.Tensor  # (b, A, nc) normalized alignment at the box's class, 0 elsewhere
    foreground: torch.Tensor  # (b, A) bool


def ground_truth(targets: torch.Tensor, mask: torch.Tensor, grid: AnchorGrid, min_side: float) -> GroundTruth:
    """`targets` (b, M, 5: class, normalized x, y, w, h) and `mask` (b, M, 1) from pad_targets, on the device.

    Padding rows are zeroed first, so whatever a reused buffer holds there cannot leak into the arithmetic. A row
    also counts as padding when its xyxy coordinates do not sum above zero: Ultralytics' own padding test, which a
    degenerate label at the origin fails too.
    """
    listed = mask.squeeze(-1)
    targets = torch.where(mask, targets, 0.0)
    labels = targets[..., 0].long()
    # Normalized to pixels column by column with Python numbers: a scale tensor made from the host would be a copy.
    w_img, h_img = grid.image_w, grid.image_h
    xywh = torch.cat(
        (targets[..., 1:2] * w_img, targets[..., 2:3] * h_img, targets[..., 3:4] * w_img, targets[..., 4:5] * h_img), -1
    )
    boxes = _xywh_to_xyxy(xywh)
    valid = listed & (boxes.sum(-1) > 0)
    return GroundTruth(labels, boxes, valid, _centres_in_boxes(grid.points * grid.strides, boxes, valid, min_side))


def _xywh_to_xyxy(xywh: torch.Tensor) -> torch.Tensor:
    centre, half = xywh[..., :2], xywh[..., 2:] / 2
    return torch.cat((centre - half, centre + half), -1)


def _centres_in_boxes(centres: torch.Tensor, boxes: torch.Tensor, valid: torch.Tensor, min_side: float) -> torch.Tensor:
    """(b, M, A): anchor centres (pixels) strictly inside each valid box, with box sides below `min_side` widened to
    it about the box's centre, so that a tiny box still reaches an anchor (Ultralytics' stride_val, the middle
    stride). The box goes through centre/size and back, as Ultralytics' does, which rounds the corners its way."""
    x1, y1, x2, y2 = boxes.unbind(-1)
    size = torch.stack((x2 - x1, y2 - y1), -1)
    size = torch.where((size < min_side) & valid.unsqueeze(-1), min_side, size)
    wide = _xywh_to_xyxy(torch.cat((torch.stack(((x1 + x2) / 2, (y1 + y2) / 2), -1), size), -1))
    left, top, right, bottom = (side.unsqueeze(-1) for side in wide.unbind(-1))  # (b, M, 1) each
    cx, cy = centres[:, 0], centres[:, 1]
    inside = (cx - left > EPS) & (cy - top > EPS) & (right - cx > EPS) & (bottom - cy > EPS)
    return inside & valid.unsqueeze(-1)


@torch.no_grad()
def assign(probs: torch.Tensor, pred_boxes: torch.Tensor, truth: GroundTruth, topk: int, topk2: int) -> Assignment:
    """Targets for one head. `probs` (b, A, nc) class probabilities, `pred_boxes` (b, A, 4) xyxy pixels, both
    detached; `topk` anchors per box are candidates, of which `topk2` stay after conflicts are resolved."""
    b, num_anchors, num_classes = probs.shape
    num_boxes = truth.labels.shape[1]
    candidate = truth.in_box

    # Alignment metric per (box, anchor): class score^alpha * CIoU^beta, on candidates only.
    overlaps = torch.where(
        candidate, complete_iou(truth.boxes.unsqueeze(2), pred_boxes.unsqueeze(1)).squeeze(-1).clamp(0), 0.0
    )
    box_class = truth.labels.unsqueeze(-1).expand(b, num_boxes, num_anchors)
    class_probs = probs.transpose(1, 2).gather(1, box_class)  # (b, M, A): each anchor's score for the box's class
    align = torch.where(candidate, class_probs.pow(ALPHA) * overlaps.pow(BETA), 0.0)

    # Each box's top-k anchors by the metric; a fixed k along a fixed axis, so no shape depends on the data.
    positive = _mark(candidate, align.topk(topk, dim=-1).indices) & candidate

    # An anchor claimed by several boxes goes to the box it overlaps most (first on ties, as max(dim) returns).
    contested = (positive.sum(1) > 1).unsqueeze(1)
    best_box = overlaps.max(1).indices.unsqueeze(1)  # (b, 1, A)
    box_ids = torch.arange(num_boxes, device=probs.device).view(1, -1, 1)
    positive = torch.where(contested, box_ids == best_box, positive)

    if topk2 != topk:  # the one-to-one head keeps only each box's best anchors among those it still holds
        kept = torch.where(positive, align, 0.0).topk(topk2, dim=-1).indices
        positive = positive & _mark(positive, kept)

    hit, gt_index = positive.to(torch.uint8).max(1)  # after the above, at most one box per anchor
    foreground = hit.bool()
    target_labels = truth.labels.gather(1, gt_index)
    target_boxes = truth.boxes.gather(1, gt_index.unsqueeze(-1).expand(-1, -1, 4))

    # Soft class target: the metric rescaled so each box's best anchor scores that box's best overlap.
    metric = torch.where(positive, align, 0.0)
    best_metric = metric.amax(-1, keepdim=True)
    best_overlap = torch.where(positive, overlaps, 0.0).amax(-1, keepdim=True)
    norm = (metric * best_overlap / (best_metric + EPS)).amax(1)  # (b, A)
    classes = torch.arange(num_classes, device=probs.device)
    is_target = (target_labels.unsqueeze(-1) == classes) & foreground.unsqueeze(-1)
    target_scores = torch.where(is_target, norm.unsqueeze(-1), 0.0)
    return Assignment(target_boxes, target_scores, foreground)


def _mark(like: torch.Tensor, indices: torch.Tensor) -> torch.Tensor:
    """A bool tensor shaped like `like`, True at `indices` along the last axis."""
    return torch.zeros_like(like, dtype=torch.bool).scatter_(-1, indices, True)
