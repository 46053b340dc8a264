"""Training-step benchmark on synthetic tensors (no dataloader): forward + loss + backward + clip + GradScaler +
SGD + ModelEMA, yolov10m.yaml, AMP, deterministic as Ultralytics sets it. Variants run interleaved, round after
round, so the GPU's run-to-run drift hits them alike; the median over rounds is reported.

Also checks that the batched weight quantization trains like stock Brevitas: two identical QAT models, one per
path, take the same steps on the same batches; their losses are printed step by step.

    python3 tools/bench/gpu/step_bench.py <hyps.json> [--rounds 3] [--steps 10] [--batch 32] [--imgsz 640]
"""

from __future__ import annotations

import argparse
import copy
import json
import statistics
import sys
import time

import torch
from ultralytics.cfg import get_cfg
from ultralytics.nn.tasks import DetectionModel
from ultralytics.utils.torch_utils import ModelEMA, init_seeds

from yolo_py.fused_sgd import fused_sgd_like
from yolo_py.quant import BatchedWeightQuant, QatSettings, quantize_model


def synthetic_batches(n: int, batch: int, imgsz: int, seed: int) -> list[dict]:
    gen = torch.Generator().manual_seed(seed)
    batches = []
    for _ in range(n):
        boxes = 6 * batch
        xy = torch.rand(boxes, 2, generator=gen) * 0.8 + 0.1
        wh = torch.rand(boxes, 2, generator=gen) * 0.2 + 0.02
        batches.append({
            "img": torch.rand(batch, 3, imgsz, imgsz, generator=gen).cuda(),
            "cls": torch.randint(0, 80, (boxes, 1), generator=gen).float().cuda(),
            "bboxes": torch.cat([xy, wh], 1).cuda(),
            "batch_idx": torch.arange(batch).repeat_interleave(6).float().cuda(),
        })
    return batches


class Variant:
    def __init__(self, name: str, base: DetectionModel, qat: str | None, channels_last: bool, fused: bool, args):
        self.name = name
        model = copy.deepcopy(base)
        batcher = None
        if qat:
            quantize_model(model, QatSettings())
            if qat == "batched":
                batcher = BatchedWeightQuant.install(model)
        model.args = args
        model = model.cuda()
        if channels_last:
            model = model.to(memory_format=torch.channels_last)
        if batcher is not None:  # install checked on the CPU; check the CUDA kernels (and layout) bit for bit too
            try:
                batcher.check_against_brevitas(model)
                print(f"{name}: quantized weights on CUDA equal Brevitas' on all {len(batcher.names)} layers", flush=True)
            except RuntimeError as error:
                print(f"{name}: CUDA CHECK FAILED: {error}", flush=True)
        self.model = model
        self.channels_last = channels_last
        self.optimizer = torch.optim.SGD(model.parameters(), lr=0.01, momentum=0.937, nesterov=True)
        if fused:  # as the trainer builds it on CUDA (zeroed momentum buffers)
            self.optimizer = fused_sgd_like(self.optimizer)
        self.scaler = torch.amp.GradScaler("cuda")
        self.ema = ModelEMA(model)
        self.ms: list[float] = []
        self.peak_gib = 0.0

    def step(self, batch: dict) -> float:
        if self.channels_last:
            batch = {**batch, "img": batch["img"].contiguous(memory_format=torch.channels_last)}
        with torch.autocast("cuda", dtype=torch.float16):
            loss, _ = self.model(batch)
        self.scaler.scale(loss.sum()).backward()
        self.scaler.unscale_(self.optimizer)
        torch.nn.utils.clip_grad_norm_(self.model.parameters(), max_norm=10.0)
        self.scaler.step(self.optimizer)
        self.scaler.update()
        self.optimizer.zero_grad()
        self.ema.update(self.model)
        return loss

    def timed(self, batches: list[dict], steps: int) -> None:
        torch.cuda.synchronize()
        torch.cuda.reset_peak_memory_stats()
        start = time.perf_counter()
        for i in range(steps):
            self.step(batches[i % len(batches)])
        torch.cuda.synchronize()
        self.ms.append((time.perf_counter() - start) / steps * 1000)
        self.peak_gib = max(self.peak_gib, torch.cuda.max_memory_allocated() / 2**30)


def step_arguments() -> argparse.ArgumentParser:
    """The options both step scripts take (this one and step_profile.py)."""
    parser = argparse.ArgumentParser()
    parser.add_argument("hyps")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--steps", type=int, default=10)
    parser.add_argument("--batch", type=int, default=32)
    parser.add_argument("--imgsz", type=int, default=640)
    return parser


def main() -> int:
    parser = step_arguments()
    parser.add_argument("--agree-steps", type=int, default=24)
    opts = parser.parse_args()

    init_seeds(0, deterministic=True)  # what Ultralytics' trainer does with deterministic=True
    hyps = json.load(open(opts.hyps))
    args = get_cfg(overrides={k: hyps[k] for k in ("box", "cls", "dfl") if k in hyps})
    torch.manual_seed(0)
    base = DetectionModel("yolov10m.yaml", nc=80, verbose=False)
    batches = synthetic_batches(3, opts.batch, opts.imgsz, seed=1)

    variants = [
        Variant("fp16 NCHW, foreach SGD", base, None, False, False, args),
        Variant("fp16 channels_last, foreach SGD", base, None, True, False, args),
        Variant("fp16 channels_last, fused SGD", base, None, True, True, args),
        Variant("qat batched, channels_last, foreach SGD", base, "batched", True, False, args),
        Variant("qat batched, channels_last, fused SGD", base, "batched", True, True, args),
        Variant("qat stock Brevitas, channels_last", base, "stock", True, False, args),
    ]
    for v in variants:  # warm-up: cuDNN plans, allocator, first-call overheads
        for i in range(3):
            v.step(batches[i % len(batches)])
    for _ in range(opts.rounds):
        for v in variants:
            v.timed(batches, opts.steps)
            print(f"  {v.name}: {v.ms[-1]:.1f} ms", flush=True)

    fp16 = statistics.median(variants[1].ms)  # plain Ultralytics' step: channels_last (its default), foreach SGD
    print(f"\nstep benchmark: yolov10m.yaml, batch {opts.batch}, {opts.imgsz} px, AMP fp16, deterministic; "
          f"{opts.rounds} interleaved rounds of {opts.steps} steps; median ms per step")
    print("| variant | step ms (median) | rounds | images/s | peak GiB | / fp16 channels_last |")
    print("| --- | ---: | --- | ---: | ---: | ---: |")
    for v in variants:
        med = statistics.median(v.ms)
        rounds = " ".join(f"{m:.1f}" for m in v.ms)
        print(f"| {v.name} | {med:.1f} | {rounds} | {opts.batch / med * 1000:.0f} | {v.peak_gib:.1f} | {med / fp16:.2f} |")
    by_name = {v.name: statistics.median(v.ms) for v in variants}
    for sgd in ("foreach", "fused"):
        qat, ref = by_name[f"qat batched, channels_last, {sgd} SGD"], by_name[f"fp16 channels_last, {sgd} SGD"]
        print(f"QAT / FP16 step, both channels_last with {sgd} SGD: {qat / ref:.2f}")

    # Stock vs batched from the same start on the same batches: deterministic cuDNN, so any difference comes from
    # the scale-gradient sums' order (float32 rounding). GradScaler skips the first steps (inf at its initial
    # scale) and those change nothing, so the table says which steps updated the weights: only those test the
    # gradients.
    init_seeds(0, deterministic=True)
    stock = Variant("stock", base, "stock", True, False, args)
    batched = Variant("batched", base, "batched", True, False, args)
    print("\nstock vs batched QAT, same init and batches: loss per step")
    print("| step | weights updated | stock | batched | relative difference |")
    print("| ---: | --- | ---: | ---: | ---: |")
    for i in range(opts.agree_steps):
        scale = stock.scaler.get_scale()
        a = stock.step(batches[i % len(batches)]).sum().item()
        b = batched.step(batches[i % len(batches)]).sum().item()
        updated = "yes" if stock.scaler.get_scale() >= scale else "no (inf: skipped)"
        print(f"| {i + 1} | {updated} | {a:.6f} | {b:.6f} | {abs(a - b) / abs(a):.2e} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
