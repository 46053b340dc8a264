"""The training loss replayed as a CUDA graph, one per box-table width: the rest of the step without launch cost.

Why: with the model's forward and backward replayed (cuda_graph.py), Ultralytics' eager loss was about 21 ms of an
80 ms yolov10m step on an H100, bound by the CPU issuing its small kernels and by ~33 host syncs (its shapes follow
the batch's boxes). yolo_py/static_loss computes the same loss (to float32 rounding, tests/test_static_loss.py) with
fixed shapes once the boxes are padded to a fixed width, so it can be captured: forward and backward, through
a forward and a backward graph (CapturedLoss), whose gradients for the head outputs go on to the model's backward graph.

The trainer pads each batch's boxes on the CPU before the copy to the GPU (`stage_targets`); a batch with more boxes
per image than the widest table, or a model the static loss does not cover, runs Ultralytics' loss.
"""

from __future__ import annotations

from typing import Any, Callable

import torch
from torch import nn

from yolo_py.cuda_graph_mode import CAPTURE_ERROR_MODE
from yolo_py.static_loss import LOSS_NAMES, StaticE2ELoss, box_bucket, build_static_loss, pad_targets

# Keys of the training batch holding the padded boxes (added on the CPU, moved to the GPU with the rest).
STATIC_TARGETS = "static_targets"
STATIC_MASK = "static_mask"

# Read for their shapes only (the anchor grid): stand-ins of the same shape with no memory are passed instead.
SHAPE_ONLY_KEYS = frozenset({"feats"})


def stage_targets(batch: dict[str, Any]) -> None:
    """Adds the batch's boxes padded to the smallest width that holds them, pinned for an asynchronous copy; adds
    nothing when no width does (that batch runs Ultralytics' loss)."""
    batch_size = batch["img"].shape[0]
    width = box_bucket(batch["batch_idx"], batch_size)
    if width is None:
        return
    targets, mask = pad_targets(batch["batch_idx"], batch["cls"], batch["bboxes"], batch_size, width)
    pin = torch.cuda.is_available()
    batch[STATIC_TARGETS] = targets.pin_memory() if pin else targets
    batch[STATIC_MASK] = mask.pin_memory() if pin else mask


def covers(model: nn.Module) -> bool:
    """Whether the static loss is this model's loss: YOLOv10's two-head detection loss with DFL boxes (the model the
    experiment trains); anything else keeps Ultralytics' loss."""
    head = model.model[-1]
    return getattr(head, "one2one_cv2", None) is not None and getattr(head, "reg_max", 1) > 1


class GraphedLoss:
    """`loss, items = graphed(model, preds, targets, mask)`: the static loss, captured at the first batch of each
    width and replayed after."""

    def __init__(self, model: nn.Module) -> None:
        if getattr(model, "criterion", None) is None:
            model.criterion = model.init_criterion()  # as model.loss() would: its branch gains are the schedule's
        self.loss_fn = build_static_loss(model)
        self.graphs: dict[int, Callable[..., tuple[torch.Tensor, torch.Tensor]]] = {}
        self.captures = 0

    def __call__(self, model: nn.Module, preds: Any, targets: torch.Tensor, mask: torch.Tensor) -> tuple[torch.Tensor, dict[str, torch.Tensor]]:
        if isinstance(self.loss_fn, StaticE2ELoss):
            self.loss_fn.follow(model.criterion)  # the gains the trainer's criterion.update() decayed at the epoch's end
        inputs = graph_inputs(preds)
        width = targets.shape[1]
        if width not in self.graphs:
            self.graphs[width] = self._capture(inputs, rebuilder(preds), targets, mask)
            self.captures += 1
        loss, items = self.graphs[width](*inputs, targets, mask)
        return loss, dict(zip(LOSS_NAMES, items.unbind()))

    def _capture(self, inputs: list[torch.Tensor], rebuild: Callable[[list[torch.Tensor]], Any], targets: torch.Tensor, mask: torch.Tensor):
        loss_fn = self.loss_fn

        def loss_of(heads: list[torch.Tensor], boxes: torch.Tensor, real: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
            loss, items = loss_fn(rebuild(heads), boxes, real)
            return loss, torch.stack(list(items.values()))

        if torch.is_autocast_enabled("cuda"):
            # As for the model's graphs: capture cannot use autocast's cast cache; the casts are replayed every step.
            with torch.autocast("cuda", dtype=torch.get_autocast_dtype("cuda"), cache_enabled=False):
                return CapturedLoss(loss_of, inputs, targets, mask)
        return CapturedLoss(loss_of, inputs, targets, mask)


class CapturedLoss:
    """The loss's forward and its backward to the head outputs, captured as two graphs sharing one memory pool, in
    the way cuda_graph.CapturedModelPass captures the model (its capture error mode, warm-up on a side stream)."""

    def __init__(self, loss_of, heads: list[torch.Tensor], targets: torch.Tensor, mask: torch.Tensor, warmup_passes: int = 3) -> None:
        self.heads = [t.detach().clone().requires_grad_(True) for t in heads]  # the graphs' own input buffers
        self.targets, self.mask = targets.clone(), mask.clone()
        side = torch.cuda.Stream()
        side.wait_stream(torch.cuda.current_stream())
        with torch.cuda.stream(side):
            for _ in range(warmup_passes):
                loss, _ = loss_of(self.heads, self.targets, self.mask)
                torch.autograd.grad(loss, self.heads, torch.ones_like(loss))
        torch.cuda.current_stream().wait_stream(side)
        self.forward_graph = torch.cuda.CUDAGraph()
        with torch.cuda.graph(self.forward_graph, capture_error_mode=CAPTURE_ERROR_MODE):
            self.loss, self.items = loss_of(self.heads, self.targets, self.mask)
        self.loss_grad = torch.empty_like(self.loss)
        self.backward_graph = torch.cuda.CUDAGraph()
        with torch.cuda.graph(self.backward_graph, pool=self.forward_graph.pool(), capture_error_mode=CAPTURE_ERROR_MODE):
            self.head_grads = torch.autograd.grad(self.loss, self.heads, self.loss_grad)

    def __call__(self, *args: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        *heads, targets, mask = args
        return _LossReplay.apply(self, targets, mask, *heads)


class _LossReplay(torch.autograd.Function):
    @staticmethod
    def forward(ctx: Any, captured: CapturedLoss, targets: torch.Tensor, mask: torch.Tensor, *heads: torch.Tensor):
        ctx.captured = captured
        for buffer, new in zip(captured.heads, heads):
            buffer.detach().copy_(new)
        captured.targets.copy_(targets)
        captured.mask.copy_(mask)
        captured.forward_graph.replay()
        items = captured.items.detach().clone()  # the next replay overwrites the graph's buffer; the caller keeps these
        ctx.mark_non_differentiable(items)
        return captured.loss.detach().clone(), items

    @staticmethod
    @torch.autograd.function.once_differentiable
    def backward(ctx: Any, loss_grad: torch.Tensor, _items_grad: torch.Tensor):
        captured: CapturedLoss = ctx.captured
        captured.loss_grad.copy_(loss_grad)
        captured.backward_graph.replay()
        return (None, None, None, *(g.clone() for g in captured.head_grads))


def graph_inputs(preds: Any) -> list[torch.Tensor]:
    """The tensors of the head's outputs the loss reads by value (the graph's inputs), in the order rebuilder(preds)
    takes them; taken at every step (the tensors are new each time, their structure is not)."""
    return [tensor for tensor, shape_only in _tensor_leaves(preds, False) if not shape_only]


def rebuilder(preds: Any) -> Callable[[list[torch.Tensor]], Any]:
    """A function that rebuilds the outputs' structure from new graph inputs, with shape-only stand-ins (no memory) for
    SHAPE_ONLY_KEYS; built once, at capture."""
    count = 0

    def walk(node: Any, shape_only: bool) -> Callable[[list[torch.Tensor]], Any]:
        nonlocal count
        if isinstance(node, dict):
            parts = {k: walk(v, shape_only or k in SHAPE_ONLY_KEYS) for k, v in node.items()}
            return lambda new: {k: part(new) for k, part in parts.items()}
        if isinstance(node, (list, tuple)):
            items = [walk(v, shape_only) for v in node]
            kind = type(node)
            return lambda new: kind(item(new) for item in items)
        if isinstance(node, torch.Tensor):
            if shape_only:
                stand_in = torch.zeros((), dtype=node.dtype, device=node.device).expand(node.shape)
                return lambda new: stand_in
            index, count = count, count + 1
            return lambda new: new[index]
        return lambda new: node

    return walk(preds, False)


def _tensor_leaves(node: Any, shape_only: bool):
    """(tensor, read for its shape only) for every tensor of `node`, in the order rebuilder numbers them."""
    if isinstance(node, dict):
        for k, v in node.items():
            yield from _tensor_leaves(v, shape_only or k in SHAPE_ONLY_KEYS)
    elif isinstance(node, (list, tuple)):
        for v in node:
            yield from _tensor_leaves(v, shape_only)
    elif isinstance(node, torch.Tensor):
        yield node, shape_only


__all__ = ["GraphedLoss", "STATIC_MASK", "STATIC_TARGETS", "covers", "stage_targets"]
