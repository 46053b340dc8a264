"""Is every number of a model (or checkpoint) finite? One device sync for the whole check."""

from __future__ import annotations

from typing import Any, Iterable, Iterator

import torch
from torch import nn


def named_tensors(state: Any, prefix: str = "") -> Iterator[tuple[str, torch.Tensor]]:
    """The floating-point tensors inside a module, a state_dict or nested containers (an optimizer's state)."""
    if isinstance(state, nn.Module):
        yield from named_tensors(state.state_dict(), prefix)
    elif isinstance(state, torch.Tensor):
        if state.is_floating_point():
            yield prefix or "tensor", state
    elif isinstance(state, dict):
        for key, value in state.items():
            yield from named_tensors(value, f"{prefix}.{key}" if prefix else str(key))
    elif isinstance(state, (list, tuple)):
        for i, value in enumerate(state):
            yield from named_tensors(value, f"{prefix}[{i}]")


def first_non_finite(named: Iterable[tuple[str, torch.Tensor]]) -> str | None:
    """The name of the first tensor holding a NaN or an infinity, or None when all are finite."""
    named = list(named)
    if not named:
        return None
    by_device: dict[torch.device, list[int]] = {}
    for i, (_, tensor) in enumerate(named):
        by_device.setdefault(tensor.device, []).append(i)
    for indices in by_device.values():
        flags = torch.stack([torch.isfinite(named[i][1]).all() for i in indices]).cpu()
        if not bool(flags.all()):
            return named[indices[int((~flags).nonzero()[0])]][0]
    return None
