"""The detection loss of one head (Ultralytics' v8DetectionLoss) and of YOLOv10's two heads (its E2ELoss), on the
fixed box table of pad_targets: CIoU box loss, BCE class loss and Distribution Focal Loss, over all anchors with the
background masked out instead of indexed away.

Background anchors are masked with torch.where rather than multiplied by a zero weight, so their terms (a box loss
against whatever box they were paired with) add an exact zero whatever their value.
"""

from __future__ import annotations

from typing import Any

import torch
from torch import nn
from torch.nn import functional as F

from yolo_py.static_loss.assigner import GroundTruth, assign, ground_truth
from yolo_py.static_loss.boxes import AnchorGrid, anchor_grid, box_sides, complete_iou, decode_boxes

LOSS_NAMES = ("box_loss", "cls_loss", "dfl_loss")  # Ultralytics' loss item names, in its order


class StaticDetectionLoss:
    """One head's loss, equal to Ultralytics' v8DetectionLoss(model, tal_topk=topk, tal_topk2=topk2).

    Built from the de-paralleled model after the trainer has set its args and class weights (as Ultralytics builds
    its criterion); the settings are read once, as Python numbers or device tensors, so calls do not touch the host.
    """

    def __init__(self, model: nn.Module, topk: int = 10, topk2: int | None = None) -> None:
        head = model.model[-1]
        if head.reg_max <= 1:
            raise NotImplementedError("only the DFL box loss (reg_max > 1) is implemented, as YOLOv10 uses")
        device = next(model.parameters()).device
        self.reg_max = head.reg_max
        self.strides = tuple(float(s) for s in head.stride.tolist())
        # Ultralytics widens boxes smaller than its middle stride when looking for anchors inside them.
        self.min_side = self.strides[1] if len(self.strides) > 1 else self.strides[0]
        self.topk, self.topk2 = topk, topk2 or topk
        hyp = model.args
        self.gains = (float(hyp.box), float(hyp.cls), float(hyp.dfl))
        weights = getattr(model, "class_weights", None)
        self.class_weights = None if weights is None else torch.as_tensor(weights, device=device).view(1, 1, -1)
        self.bins = torch.arange(self.reg_max, dtype=torch.float, device=device)

    def __call__(self, preds: Any, targets: torch.Tensor, mask: torch.Tensor) -> tuple[torch.Tensor, dict[str, torch.Tensor]]:
        """(loss vector (box, cls, dfl) times the batch size, {name: detached item}), as v8DetectionLoss returns."""
        head = preds[1] if isinstance(preds, tuple) else preds
        grid = anchor_grid(head["feats"], self.strides)
        losses = self.head_loss(head, grid, self.ground_truth(targets, mask, grid))
        return losses * head["scores"].shape[0], dict(zip(LOSS_NAMES, losses.detach()))

    def ground_truth(self, targets: torch.Tensor, mask: torch.Tensor, grid: AnchorGrid) -> GroundTruth:
        return ground_truth(targets, mask, grid, self.min_side)

    def head_loss(self, head: dict[str, Any], grid: AnchorGrid, truth: GroundTruth) -> torch.Tensor:
        """The gain-weighted (box, cls, dfl) losses of one head's training outputs, not yet times the batch size."""
        pred_dist = head["boxes"].permute(0, 2, 1).contiguous()  # (b, A, 4 * reg_max)
        logits = head["scores"].permute(0, 2, 1).contiguous()  # (b, A, nc)
        b, num_anchors, _ = logits.shape
        pred_boxes = decode_boxes(pred_dist, grid.points, self.bins)  # xyxy, cells

        found = assign(
            logits.detach().sigmoid(),
            (pred_boxes.detach() * grid.strides).type(truth.boxes.dtype),
            truth,
            self.topk,
            self.topk2,
        )
        score_sum = found.target_scores.sum().clamp(min=1)  # stays on the device: no host read

        bce = F.binary_cross_entropy_with_logits(logits, found.target_scores.to(logits.dtype), reduction="none")
        if self.class_weights is not None:
            bce.mul_(self.class_weights)  # in place, as Ultralytics: float32 stays float32 whatever the weights' dtype
        cls_loss = bce.sum() / score_sum

        # Each foreground anchor weighs by its target score (one class is non-zero, so the sum is that score);
        # background anchors contribute an exact zero.
        fg = found.foreground
        weight = found.target_scores.sum(-1)
        target_boxes = found.target_boxes / grid.strides  # cells, like pred_boxes
        iou = complete_iou(pred_boxes, target_boxes).squeeze(-1)
        box_loss = torch.where(fg, (1.0 - iou) * weight, 0.0).sum() / score_sum

        # DFL: cross-entropy of each side's distribution against the two bins around the target distance.
        sides = box_sides(grid.points, target_boxes, self.reg_max - 1 - 0.01)
        left = sides.long()
        right = left + 1
        left_weight = right - sides
        right_weight = 1 - left_weight
        log_probs = F.log_softmax(pred_dist.view(b, num_anchors, 4, self.reg_max), dim=-1)
        at_left = log_probs.gather(-1, left.unsqueeze(-1)).squeeze(-1)
        at_right = log_probs.gather(-1, right.unsqueeze(-1)).squeeze(-1)
        side_loss = -(at_left * left_weight + at_right * right_weight).mean(-1)
        dfl_loss = torch.where(fg, side_loss * weight, 0.0).sum() / score_sum

        box_gain, cls_gain, dfl_gain = self.gains
        return torch.stack((box_loss.float() * box_gain, cls_loss.float() * cls_gain, dfl_loss.float() * dfl_gain))


class StaticE2ELoss:
    """YOLOv10's loss, equal to Ultralytics' E2ELoss: the one-to-many head (top 10 anchors per box) and the one-to-one
    head (top 7, then the best 1), weighted by the criterion's decaying branch gains; the items are the one-to-one
    head's, as E2ELoss reports them.

    The gains live in a device tensor that `follow` refreshes in place, so a captured graph reads the current ones;
    they start from `criterion` (default: the model's criterion, else a new E2ELoss, i.e. the schedule's start).
    """

    def __init__(self, model: nn.Module, criterion: Any | None = None) -> None:
        self.one2many = StaticDetectionLoss(model, topk=10)
        self.one2one = StaticDetectionLoss(model, topk=7, topk2=1)
        device = next(model.parameters()).device
        self.branch_gains = torch.zeros(2, device=device)  # (one-to-many, one-to-one)
        if criterion is None:
            criterion = getattr(model, "criterion", None)
        if criterion is None or not hasattr(criterion, "o2m"):
            from ultralytics.utils.loss import E2ELoss

            criterion = E2ELoss(model)  # only to start from its schedule's first gains
        self.follow(criterion)

    @torch.no_grad()
    def follow(self, criterion: Any) -> None:
        """Take the branch gains of Ultralytics' E2ELoss (which the trainer's criterion.update() decays each
        epoch). Two fills with scalar arguments: no copy from the host, no sync; call it outside a capture."""
        self.branch_gains[0].fill_(criterion.o2m)
        self.branch_gains[1].fill_(criterion.o2o)

    def __call__(self, preds: Any, targets: torch.Tensor, mask: torch.Tensor) -> tuple[torch.Tensor, dict[str, torch.Tensor]]:
        """(loss vector (box, cls, dfl) times the batch size, {name: detached one-to-one item}), as E2ELoss returns."""
        preds = preds[1] if isinstance(preds, tuple) else preds
        many, one = preds["one2many"], preds["one2one"]
        grid = anchor_grid(many["feats"], self.one2many.strides)  # both heads read the same feature shapes
        truth = self.one2many.ground_truth(targets, mask, grid)  # and the same boxes: prepared once
        batch_size = many["scores"].shape[0]
        many_loss = self.one2many.head_loss(many, grid, truth)
        one_loss = self.one2one.head_loss(one, grid, truth)
        total = (many_loss * batch_size) * self.branch_gains[0] + (one_loss * batch_size) * self.branch_gains[1]
        return total, dict(zip(LOSS_NAMES, one_loss.detach()))


def build_static_loss(model: nn.Module) -> StaticDetectionLoss | StaticE2ELoss:
    """The static counterpart of model.init_criterion() for a detection model: the two-head loss when the head has
    a one-to-one branch, as DetectionModel decides."""
    if getattr(model.model[-1], "one2one_cv2", None) is not None:
        return StaticE2ELoss(model)
    return StaticDetectionLoss(model)
