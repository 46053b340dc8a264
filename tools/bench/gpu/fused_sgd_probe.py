"""Shows, on CUDA, why the trainer zeroes fused SGD's momentum buffers (yolo_py/fused_sgd.py).

torch's fused SGD allocates its first step's momentum buffers with empty_like. If GradScaler skips that step
(found_inf), the buffers keep whatever the caching allocator hands back; here that is made visible by freeing a
NaN-filled block of the same size first. Prints the parameters after one skipped and one real step for torch's
fused SGD as is and for the trainer's, against stock SGD.

    python3 tools/bench/gpu/fused_sgd_probe.py
"""

from __future__ import annotations

import torch

from yolo_py.fused_sgd import fused_sgd_like


def run(kind: str) -> torch.Tensor:
    torch.manual_seed(0)
    p = torch.nn.Parameter(torch.randn(4096, device="cuda"))
    stock = torch.optim.SGD([p], lr=0.01, momentum=0.937, nesterov=True)
    optimizer = {"stock": stock, "torch fused": torch.optim.SGD([p], lr=0.01, momentum=0.937, nesterov=True, fused=True),
                 "trainer's fused": fused_sgd_like(stock)}[kind]
    scaler = torch.amp.GradScaler("cuda")
    poison = torch.full((4096,), float("nan"), device="cuda")
    del poison  # its block goes back to the cache, where the next allocation of this size finds it
    for step in range(2):
        scaler.scale(p.square().sum() * (float("inf") if step == 0 else 1.0)).backward()  # step 0 overflows
        scaler.unscale_(optimizer)
        scaler.step(optimizer)
        scaler.update()
        optimizer.zero_grad()
    return p.detach()


def main() -> None:
    reference = run("stock")
    for kind in ("torch fused", "trainer's fused"):
        got = run(kind)
        print(f"{kind}: finite {bool(torch.isfinite(got).all())}, max |diff| to stock SGD "
              f"{(got - reference).abs().max().item():.3g}")


if __name__ == "__main__":
    main()
