"""The loss items Ultralytics' loop reads every batch, handed over one batch late so the loop never waits for the GPU.

Why: after every batch Ultralytics formats its running mean of the loss items into the progress bar, and formatting a
CUDA tensor copies it to the host: a sync per batch, so the CPU cannot queue the next batch's work (copy, graph
replays) while the GPU still runs this one. Here each batch's items go to pinned host memory with a non-blocking copy
and the loop gets the previous batch's values, whose copy finished long ago; only the epoch's first batch waits for
its own.

What stays exact: results.csv, TensorBoard and the epoch line read the epoch's mean, and `epoch_mean` gives it from a
sum kept on the device over every batch (the last included), read once per epoch. Only the bar and the progress lines
printed during the epoch lag by one batch.
"""

from __future__ import annotations

import torch


class DeferredLossItems:
    def __init__(self) -> None:
        self._keys: tuple[str, ...] = ()
        self._sum: torch.Tensor | None = None  # on the items' device: no sync to add to it
        self._batches = 0
        self._pending: tuple[torch.Tensor, torch.cuda.Event | None] | None = None  # the last batch's host copy

    def start_epoch(self) -> None:
        """Forget the running sum: a new epoch, or the epoch begun again (batch halved after an OOM, NaN recovery)."""
        self._sum, self._batches, self._pending = None, 0, None

    def step(self, items: dict[str, torch.Tensor]) -> dict[str, torch.Tensor]:
        """Record this batch's items; return the previous batch's (this batch's for the epoch's first) as 0-d CPU
        tensors: Ultralytics' loop and validator expect tensors, and formatting a CPU tensor reads no GPU."""
        self._keys = tuple(items)
        values = torch.stack([v.detach().float().reshape(()) for v in items.values()])
        self._sum = values.clone() if self._sum is None else self._sum.add_(values)  # clone: values may be a graph's buffer
        self._batches += 1
        previous, self._pending = self._pending, self._host_copy(values)
        return self._read(previous if previous is not None else self._pending)

    def epoch_mean(self) -> dict[str, float] | None:
        """The mean of every batch's items since start_epoch (one host read), or None before the first batch."""
        if self._sum is None:
            return None
        return dict(zip(self._keys, (self._sum / self._batches).tolist()))

    @staticmethod
    def _host_copy(values: torch.Tensor) -> tuple[torch.Tensor, torch.cuda.Event | None]:
        if values.device.type != "cuda":
            return values.clone(), None
        host = torch.empty(values.shape, dtype=values.dtype, pin_memory=True)
        host.copy_(values, non_blocking=True)
        done = torch.cuda.Event()
        done.record()
        return host, done

    def _read(self, copy: tuple[torch.Tensor, torch.cuda.Event | None]) -> dict[str, torch.Tensor]:
        host, done = copy
        if done is not None:
            done.synchronize()  # the previous batch's copy: already finished unless the GPU is a whole batch behind
        return dict(zip(self._keys, host.clone().unbind()))  # a copy: the pinned buffer is not the loop's to keep


__all__ = ["DeferredLossItems"]
