"""A local replacement for Ultralytics' AMP check, which downloads yolo26n.pt to compare FP32 and AMP inference.

Same question, no network: does the model under training give close outputs in FP32 and under autocast on
this GPU? Uses the model itself on a fixed random input, so nothing is fetched and nothing is cached.
"""

from __future__ import annotations

import copy

import torch


def local_amp_check(model: torch.nn.Module) -> bool:
    device = next(model.parameters()).device
    if device.type != "cuda":
        return False  # AMP is only used on CUDA
    probe = copy.deepcopy(model).eval()
    generator = torch.Generator(device="cpu").manual_seed(0)
    image = torch.rand(2, 3, 256, 256, generator=generator).to(device)
    with torch.no_grad():
        reference = _first_tensor(probe(image)).float()
        with torch.autocast("cuda", dtype=torch.float16):
            mixed = _first_tensor(probe(image)).float()
    del probe
    if not torch.isfinite(mixed).all():
        print("AMP check: non-finite outputs under autocast; training in FP32", flush=True)
        return False
    scale = reference.abs().max().clamp_min(1.0)
    close = bool(((reference - mixed).abs().max() / scale) < 0.05)
    print(f"AMP check (local, no download): {'passed' if close else 'failed; training in FP32'}", flush=True)
    return close


def _first_tensor(output: object) -> torch.Tensor:
    while not isinstance(output, torch.Tensor):
        if isinstance(output, dict):
            output = next(iter(output.values()))
        elif isinstance(output, (list, tuple)):
            output = output[0]
        else:
            raise TypeError(f"unexpected model output type {type(output).__name__}")
    return output
