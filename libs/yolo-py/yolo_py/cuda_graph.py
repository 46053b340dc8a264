"""The model's training forward and backward replayed as two CUDA graphs: the step without its launch cost.

Why: on an H200 a yolov10m batch-32 640-px step is bound by the CPU issuing ~3,700 kernels; the GPU is busy
35-45% of the step (tools/bench/gpu/step_profile.py). Captured once, the model's forward (for QAT with the
batched weight quantization inside it) and its backward are one launch each; the loss, whose work depends on the
batch's boxes, stays eager on the graph's outputs, as in Ultralytics' own compile path, unless `loss_graphs` replays
it too at a fixed box-table width (yolo_py/graphed_loss.py; off in the trainer until a GPU run has measured it).

What stays the same: the kernels (captured from the same calls, so the outputs equal the eager forward's bit
for bit: measured on the H200), the parameters (the graphs read and the optimizer updates the same tensors in
place), BatchNorm's running statistics (saved before the warm-up passes and put back, so they move exactly as
in eager training), and autograd: the parameters' gradients come out of the backward graph into AccumulateGrad
like any other, so GradScaler, clipping and gradient accumulation work unchanged.

Where it does not apply, the eager model runs: a batch of another shape (the epoch's last, smaller batch),
evaluation, no grad, or anything not a training batch dict.
"""

from __future__ import annotations

from typing import Any

import torch
from torch import nn
from torch.utils._pytree import tree_flatten, tree_unflatten

from yolo_py.cuda_graph_mode import CAPTURE_ERROR_MODE
from yolo_py.deferred_loss_items import DeferredLossItems
from yolo_py.graphed_loss import STATIC_MASK, STATIC_TARGETS, GraphedLoss, covers




class CapturedModelPass:
    """Forward and backward of `model(images)` captured for one input shape, layout, dtype and device."""

    def __init__(self, model: nn.Module, sample: torch.Tensor, warmup_passes: int = 3) -> None:
        self.params = tuple(p for p in model.parameters() if p.requires_grad)
        self.key = _input_key(sample)
        self.static_input = torch.empty_like(sample).copy_(sample)  # empty_like keeps channels_last
        saved_buffers = [(b, b.clone()) for b in model.buffers()]
        # Warm-up on a side stream, as capture requires (cuDNN plans, allocator, lazily built state such as the
        # batched quantization's row layout); its BatchNorm updates are undone below.
        side = torch.cuda.Stream()
        side.wait_stream(torch.cuda.current_stream())
        with torch.cuda.stream(side):
            for _ in range(warmup_passes):
                outputs, _ = self._differentiable(model(self.static_input))
                torch.autograd.grad(outputs, self.params, [torch.ones_like(o) for o in outputs], allow_unused=True)
        torch.cuda.current_stream().wait_stream(side)

        self.forward_graph = torch.cuda.CUDAGraph()
        with torch.cuda.graph(self.forward_graph, capture_error_mode=CAPTURE_ERROR_MODE):
            flat, self.spec = tree_flatten(model(self.static_input))
        self.static_outputs = flat
        self.grad_index = [i for i, o in enumerate(flat) if o.requires_grad]
        self.static_output_grads = [torch.empty_like(flat[i]) for i in self.grad_index]
        self.backward_graph = torch.cuda.CUDAGraph()
        with torch.cuda.graph(self.backward_graph, pool=self.forward_graph.pool(), capture_error_mode=CAPTURE_ERROR_MODE):
            grads = torch.autograd.grad(
                [flat[i] for i in self.grad_index], self.params, self.static_output_grads, allow_unused=True
            )
        self.static_param_grads = [g if g is not None else torch.zeros_like(p) for g, p in zip(grads, self.params)]
        with torch.no_grad():
            for buffer, saved in saved_buffers:
                buffer.copy_(saved)  # in place: the graphs hold these very tensors

    def accepts(self, images: torch.Tensor) -> bool:
        return _input_key(images) == self.key

    def __call__(self, images: torch.Tensor) -> Any:
        outputs = _Replay.apply(self, images, *self.params)
        return tree_unflatten(list(outputs), self.spec)

    @staticmethod
    def _differentiable(output: Any) -> tuple[list[torch.Tensor], Any]:
        flat, spec = tree_flatten(output)
        return [o for o in flat if isinstance(o, torch.Tensor) and o.requires_grad], spec


class _Replay(torch.autograd.Function):
    @staticmethod
    def forward(ctx: Any, captured: CapturedModelPass, images: torch.Tensor, *params: torch.Tensor):
        ctx.captured = captured
        captured.static_input.copy_(images)
        captured.forward_graph.replay()
        outputs = tuple(o.detach() for o in captured.static_outputs)
        ctx.mark_non_differentiable(*[o for i, o in enumerate(outputs) if i not in captured.grad_index])
        return outputs

    @staticmethod
    @torch.autograd.function.once_differentiable
    def backward(ctx: Any, *output_grads: torch.Tensor):
        captured: CapturedModelPass = ctx.captured
        for buffer, i in zip(captured.static_output_grads, captured.grad_index):
            grad = output_grads[i]
            if grad is None:
                buffer.zero_()
            else:
                buffer.copy_(grad)
        captured.backward_graph.replay()
        # New tensors, not the graph's buffers: AccumulateGrad may adopt a returned gradient as the parameter's
        # .grad, and the next replay would then overwrite it (wrong under gradient accumulation). One multi-tensor
        # multiply by 1 copies them all exactly in a few launches.
        return (None, None, *torch._foreach_mul(captured.static_param_grads, 1.0))


class GraphedTraining(nn.Module):
    """Wraps the trainer's model: training batches of the captured shape replay the graphs, the rest runs eager.

    Ultralytics finds the model through `.module` (unwrap_model), as it does under DDP, so checkpoints, EMA and
    validation see the plain model. Training batches hand their loss items over one batch late (DeferredLossItems),
    so Ultralytics' per-batch progress bar never syncs the host with the GPU.
    """

    def __init__(self, model: nn.Module, loss_graphs: bool = False) -> None:
        super().__init__()
        self.module = model
        self.loss_graphs = loss_graphs  # replay the loss too (yolo_py/graphed_loss.py) where it covers the model
        self.captured: CapturedModelPass | None = None
        self.replays = 0  # training batches that took the graphs (the tests and the log read it)
        self.captures = 0
        self.loss_items = DeferredLossItems()
        self.graphed_loss: GraphedLoss | None = None
        self.loss_replays = 0  # training batches whose loss took a graph

    def release(self) -> None:
        """Drops the captured graphs, whose memory pool goes back to the allocator once collected: the trainer
        changed the batch (out of memory in the first epoch), and the next training batch captures again."""
        self.captured = None
        self.graphed_loss = None

    def forward(self, batch: Any, *args, **kwargs):
        if not (isinstance(batch, dict) and self.training and torch.is_grad_enabled() and not args and not kwargs):
            return self.module(batch, *args, **kwargs)
        images = batch["img"]
        if self.captured is None:
            self.captured = _capture(self.module, images)
            self.captures += 1
            if self.loss_graphs and covers(self.module):
                self.graphed_loss = GraphedLoss(self.module)
        if self.captured.accepts(images):
            self.replays += 1
            preds = self.captured(images)
            if self.graphed_loss is not None and STATIC_TARGETS in batch:
                self.loss_replays += 1
                loss, items = self.graphed_loss(self.module, preds, batch[STATIC_TARGETS], batch[STATIC_MASK])
            else:
                loss, items = self.module.loss(batch, preds)
        else:
            loss, items = self.module(batch)
        return loss, self.loss_items.step(items)


def _capture(model: nn.Module, images: torch.Tensor) -> CapturedModelPass:
    # Capture cannot use autocast's weight-cast cache (it would hold casts made outside the graph), so it runs
    # under the same autocast with the cache off; the graphs then replay those casts every step.
    if torch.is_autocast_enabled("cuda"):
        with torch.autocast("cuda", dtype=torch.get_autocast_dtype("cuda"), cache_enabled=False):
            return CapturedModelPass(model, images)
    return CapturedModelPass(model, images)


def _input_key(images: torch.Tensor) -> tuple:
    return (tuple(images.shape), images.stride(), images.dtype, images.device)


def should_graph(device: torch.device, rank: int, multi_scale: bool, distilling: bool = False) -> tuple[bool, str]:
    """Whether the trainer replays CUDA graphs, and why not when it does not."""
    if device.type != "cuda":
        return False, "not on CUDA"
    if distilling:
        # The teacher's forward runs inside the loss; only the eager path has been checked with it (docs/quantization.md).
        return False, "distillation runs the FP16 teacher eagerly, so the QAT step runs eager too"
    if rank != -1:
        return False, "DDP runs eager (its gradient hooks are not captured)"
    if multi_scale:
        return False, "multi-scale training changes the input shape every batch"
    return True, ""


__all__ = ["CapturedModelPass", "GraphedTraining", "should_graph"]
