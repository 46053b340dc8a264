"""Ultralytics' SGD as torch's fused SGD, with momentum buffers that start at zero.

Why fused: with the foreach SGD Ultralytics builds, GradScaler.step reads found_inf back to the host on every
step to decide whether to skip it, a device synchronisation per batch; a fused optimizer takes found_inf on the
device instead (it declares _step_supports_amp_scaling), and runs the update as one kernel per tensor list.
Measured on the lent H200 (docs/benchmarks.md): the yolov10m step at batch 32 went from 106 to 90 ms.

Why zero buffers: torch's fused SGD allocates the momentum buffers of its first step with torch.empty_like and
lets the kernel fill them. When GradScaler finds an inf on that step (routine in the first AMP steps, while the
loss scale settles), the kernel skips the update and the buffers stay uninitialised memory; the next step
multiplies them by the momentum, which made both trainers NaN at batch 9. A zero buffer gives the first real
step exactly the stock first step (buffer = momentum * 0 + grad = grad), and a skipped step leaves it at zero,
as stock SGD, which never runs a skipped step, leaves no buffer at all.
"""

from __future__ import annotations

import torch

# Group options the SGD constructor would otherwise keep from the old optimizer (they pick the implementation).
_IMPLEMENTATION_KEYS = ("fused", "foreach")


def fused_sgd_like(optimizer: torch.optim.SGD) -> torch.optim.SGD:
    """A fused SGD over the same parameter groups and options (lr, momentum, nesterov, decay, Ultralytics' tags)."""
    if type(optimizer) is not torch.optim.SGD:
        raise TypeError(f"fused_sgd_like takes a torch.optim.SGD, not {type(optimizer).__name__}")
    if any(optimizer.state.values()):
        raise ValueError("fused_sgd_like replaces an optimizer before its first step; this one has state already")
    groups = [{k: v for k, v in group.items() if k not in _IMPLEMENTATION_KEYS} for group in optimizer.param_groups]
    fused = torch.optim.SGD(groups, lr=optimizer.defaults["lr"], fused=True)
    zero_missing_momentum_buffers(fused)
    return fused


def zero_missing_momentum_buffers(optimizer: torch.optim.SGD) -> None:
    """Gives every parameter with momentum a buffer; call it after load_state_dict too (a state saved before any
    real step has none, and the fused kernel would start from uninitialised memory again)."""
    for group in optimizer.param_groups:
        if group["momentum"] != 0:
            for p in group["params"]:
                state = optimizer.state[p]
                if state.get("momentum_buffer") is None:
                    state["momentum_buffer"] = torch.zeros_like(p, memory_format=torch.preserve_format)
