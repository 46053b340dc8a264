"""YOLOv10's training loss with static shapes and no host sync, so it can be captured in a CUDA graph (issue 29).

Why: the model's forward and backward replay as CUDA graphs (yolo_py/cuda_graph.py), but Ultralytics' loss runs
eagerly (~21 ms of an 80 ms yolov10m step on an H100): its shapes follow the batch's boxes (the targets are padded to
the batch's own largest count, read back by the host; the box losses index the foreground with `nonzero`). Here the
boxes come padded to a fixed width M (one of BOX_BUCKETS) and every step is masked arithmetic over fixed shapes:
(batch, M, anchors) for the assignment, (batch, anchors, ...) for the losses. The result equals Ultralytics' E2ELoss
(model.init_criterion() of a YOLOv10 DetectionModel) to float32 rounding: tests/test_static_loss.py measures it.

Wiring (the caller's side; the trainer falls back to Ultralytics' criterion whenever `box_bucket` says None):

    loss_fn = build_static_loss(model)          # de-paralleled model, after set_class_weights; on its device
    # per step, on the loader's CPU tensors, before the host-to-device copy:
    width = box_bucket(batch["batch_idx"], batch_size)           # None: this batch runs Ultralytics' loss
    targets, mask = pad_targets(batch["batch_idx"], batch["cls"], batch["bboxes"], batch_size, width)
    static_targets[width].copy_(targets, non_blocking=True)      # static device tensors, one pair per width
    static_mask[width].copy_(mask, non_blocking=True)            # (pin the CPU side for a true async copy)
    loss_fn.follow(model.criterion)             # E2E branch gains after the trainer's criterion.update()
    # captured (one graph per width, with the model's outputs as its inputs), then replayed:
    loss, items = loss_fn(preds, static_targets[width], static_mask[width])

Inputs are only read: the head's training outputs (the dict with "one2many"/"one2one", of which "feats" gives
shapes only), the padded targets and mask, and loss_fn.branch_gains. Outputs are new tensors: `loss` (3,) with
autograd history back to the head outputs, and `items`, a dict of 0-dim views of one detached (3,) tensor. After a
replay both are the graph's buffers, overwritten by the next replay: clone what must outlive it (the trainer keeps
loss_items in its running mean). Nothing else is written, so a warm-up call outside the capture changes no state.
"""

from yolo_py.static_loss.detection import LOSS_NAMES, StaticDetectionLoss, StaticE2ELoss, build_static_loss
from yolo_py.static_loss.targets import BOX_BUCKETS, box_bucket, most_boxes_per_image, pad_targets

__all__ = [
    "BOX_BUCKETS",
    "LOSS_NAMES",
    "StaticDetectionLoss",
    "StaticE2ELoss",
    "box_bucket",
    "build_static_loss",
    "most_boxes_per_image",
    "pad_targets",
]
