"""Where a training step's time goes, eager vs torch.compile, FP16 vs QAT (issue: fast training).

For each variant (channels_last, fused SGD, AMP: what the trainers run), per step:
- wall ms, over interleaved rounds (median), and the compile time of the first steps;
- per phase (forward, loss, backward, optimizer, EMA): the CPU ms to issue it and the GPU ms between CUDA events
  at its ends: a phase whose GPU ms is about its CPU ms is bound by the CPU issuing kernels;
- GPU busy share and kernels per step, from one torch.profiler step (sum of kernel times / step wall);
- host syncs per step (torch.cuda.set_sync_debug_mode's warnings; they stall the CPU until the GPU catches up).

The compiled variants do what Ultralytics' trainer does with compile=True: the model's forward is compiled
(torch.compile(model)) and the loss runs eagerly on its predictions. The graphed variants capture the model's
forward and backward as CUDA graphs (torch.cuda.make_graphed_callables; one launch replays every kernel) and run
the loss eagerly on the graph's outputs: what is left of a CPU-bound step once launching the model costs nothing.

    python3 tools/bench/gpu/step_profile.py <hyps.json> [--rounds 3] [--steps 10] [--only fp16,qat,...]
"""

from __future__ import annotations

import json
import statistics
import sys
import time
import warnings

import torch
from ultralytics.cfg import get_cfg
from ultralytics.nn.tasks import DetectionModel
from ultralytics.utils.torch_utils import ModelEMA, init_seeds

from step_bench import step_arguments, synthetic_batches  # beside this script
from yolo_py.fused_sgd import fused_sgd_like
from yolo_py.optimizer_step import ParameterCache, optimizer_step
from yolo_py.quant import BatchedWeightQuant, QatSettings, quantize_model

PHASES = ("forward", "loss", "backward", "optimizer", "ema")


class _ModelForward(torch.nn.Module):
    """The model called on images (its hooks, e.g. the batched weight quantization, inside the captured graph)."""

    def __init__(self, model: torch.nn.Module) -> None:
        super().__init__()
        self.model = model

    def forward(self, img: torch.Tensor):
        return self.model(img)


def build_model(args, qat: bool) -> DetectionModel:
    """yolov10m from seed 0 on CUDA, channels_last; QAT with the batched weight quantization installed."""
    torch.manual_seed(0)
    model = DetectionModel("yolov10m.yaml", nc=80, verbose=False)
    if qat:
        quantize_model(model, QatSettings())
        BatchedWeightQuant.install(model)
    model.args = args
    return model.cuda().to(memory_format=torch.channels_last)


class ProfiledVariant:
    def __init__(self, name: str, args, qat: bool, compiled: bool, mode: str, graphed: bool = False) -> None:
        self.name = name
        self.model = build_model(args, qat)
        self.forward = torch.compile(self.model, mode=mode) if compiled else self.model
        self.graphed = graphed
        self.optimizer = fused_sgd_like(torch.optim.SGD(self.model.parameters(), lr=0.01, momentum=0.937, nesterov=True))
        self.scaler = torch.amp.GradScaler("cuda")
        self.parameters = ParameterCache()
        self.ema = ModelEMA(self.model)
        self.ms: list[float] = []
        self.cpu = {p: [] for p in PHASES}
        self.gpu = {p: [] for p in PHASES}
        self.warmup_s = 0.0
        self.error = ""

    def step(self, batch: dict, events: list | None = None, marks: list | None = None) -> None:
        def mark():
            if marks is not None:
                marks.append(time.perf_counter())
            if events is not None:
                event = torch.cuda.Event(enable_timing=True)
                event.record()
                events.append(event)

        img = batch["img"].contiguous(memory_format=torch.channels_last)
        if self.graphed and self.forward is self.model:  # capture once, on the first batch's shape
            with torch.autocast("cuda", dtype=torch.float16, cache_enabled=False):  # graphs cannot use the cache
                self.forward = torch.cuda.make_graphed_callables(_ModelForward(self.model), (img,), num_warmup_iters=3)
        mark()
        with torch.autocast("cuda", dtype=torch.float16):
            preds = self.forward(img)
            mark()
            loss, _ = self.model.loss(batch, preds)
        mark()
        self.scaler.scale(loss.sum()).backward()
        mark()
        optimizer_step(self.optimizer, self.scaler, self.parameters.of(self.model), None, self.model)  # the trainers' step
        mark()
        self.ema.update(self.model)
        mark()

    def timed(self, batches: list[dict], steps: int) -> None:
        torch.cuda.synchronize()
        start = time.perf_counter()
        for i in range(steps):
            self.step(batches[i % len(batches)])
        torch.cuda.synchronize()
        self.ms.append((time.perf_counter() - start) / steps * 1000)

    def phases(self, batches: list[dict], steps: int) -> None:
        for i in range(steps):
            events, marks = [], []
            torch.cuda.synchronize()
            self.step(batches[i % len(batches)], events, marks)
            torch.cuda.synchronize()
            for k, phase in enumerate(PHASES):
                self.cpu[phase].append((marks[k + 1] - marks[k]) * 1000)
                self.gpu[phase].append(events[k].elapsed_time(events[k + 1]))

    def syncs_per_step(self, batch: dict) -> int:
        torch.cuda.synchronize()
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            torch.cuda.set_sync_debug_mode("warn")
            try:
                self.step(batch)
            finally:
                torch.cuda.set_sync_debug_mode("default")
        torch.cuda.synchronize()
        return sum("synchroniz" in str(w.message) for w in caught)

    def kernel_profile(self, batch: dict) -> tuple[float, int, float]:
        from torch.profiler import ProfilerActivity, profile

        torch.cuda.synchronize()
        with profile(activities=[ProfilerActivity.CPU, ProfilerActivity.CUDA]) as prof:
            start = time.perf_counter()
            self.step(batch)
            torch.cuda.synchronize()
            wall_ms = (time.perf_counter() - start) * 1000
        kernels = [e for e in prof.events() if e.device_type == torch.autograd.DeviceType.CUDA]
        busy_ms = sum(e.device_time_total for e in kernels) / 1000  # microseconds
        return busy_ms / wall_ms, len(kernels), wall_ms


def graphed_vs_eager(args, qat: bool, batches: list[dict]) -> str:
    """The trainer's GraphedTraining against the eager model from the same init, on two batches whose gradients
    accumulate (as Ultralytics' accumulate=2 does), then one SGD step and a third batch: losses and gradients."""
    from yolo_py.cuda_graph import GraphedTraining

    eager, graphed = build_model(args, qat).train(), GraphedTraining(build_model(args, qat).train())
    worst_loss, worst_grad = 0.0, 0.0
    for model in (eager, graphed):
        model.optimizer = torch.optim.SGD(model.parameters(), lr=0.01, momentum=0.9)
    for step in range(3):
        losses = []
        for model in (eager, graphed):
            with torch.autocast("cuda", dtype=torch.float16):
                loss, _ = model({**batches[step], "img": batches[step]["img"]})
            loss.sum().backward()
            losses.append(loss.sum().item())
        worst_loss = max(worst_loss, abs(losses[0] - losses[1]) / abs(losses[0]))
        if step == 1:  # two accumulated backward passes: compare, then step both
            for a, b in zip(eager.parameters(), graphed.parameters()):
                if a.grad is not None:
                    worst_grad = max(worst_grad, ((a.grad - b.grad).abs().max() / a.grad.abs().max().clamp_min(1e-30)).item())
            for model in (eager, graphed):
                model.optimizer.step()
                model.optimizer.zero_grad()
    kind = "qat" if qat else "fp16"
    return (f"{kind}: GraphedTraining vs eager, 3 steps (2 accumulated, SGD step, 1 more): replays {graphed.replays}, "
            f"max relative loss diff {worst_loss:.2e}, max relative grad diff after accumulation {worst_grad:.2e}")


def main() -> int:
    parser = step_arguments()
    parser.add_argument("--mode", default="default", help="torch.compile mode of the compiled variants")
    parser.add_argument("--parity", action="store_true", help="also check GraphedTraining against eager training")
    parser.add_argument("--only", default="fp16,fp16-graphed,qat,qat-graphed")
    opts = parser.parse_args()

    init_seeds(0, deterministic=True)  # what Ultralytics' trainer does with deterministic=True
    hyps = json.load(open(opts.hyps))
    args = get_cfg(overrides={k: hyps[k] for k in ("box", "cls", "dfl") if k in hyps})
    batches = synthetic_batches(3, opts.batch, opts.imgsz, seed=1)
    wanted = opts.only.split(",")
    variants = []
    for key in wanted:
        v = ProfiledVariant(key, args, qat=key.startswith("qat"), compiled=key.endswith("-compile"), mode=opts.mode,
                            graphed=key.endswith("-graphed"))
        start = time.perf_counter()
        try:
            for i in range(3):  # warm-up: compile, cuDNN plans, allocator
                v.step(batches[i % len(batches)])
            torch.cuda.synchronize()
        except Exception as error:  # a variant that cannot compile is a finding, not the end of the run
            v.error = f"{type(error).__name__}: {str(error).splitlines()[0][:300]}"
            print(f"{key}: FAILED in warm-up: {v.error}", flush=True)
            continue
        v.warmup_s = time.perf_counter() - start
        if v.graphed:  # the replayed forward must compute what the model computes eagerly
            with torch.no_grad(), torch.autocast("cuda", dtype=torch.float16):
                img = batches[1]["img"].contiguous(memory_format=torch.channels_last)
                ours = torch.utils._pytree.tree_leaves(v.forward(img))
                eager = torch.utils._pytree.tree_leaves(v.model(img))
            worst = max((a.float() - b.float()).abs().max().item() for a, b in zip(ours, eager))
            print(f"{key}: graph replay vs eager forward, {len(ours)} outputs: max |diff| {worst:g}", flush=True)
        if key.endswith("-compile"):
            from torch._dynamo.utils import counters

            breaks = sum(counters["graph_break"].values())
            print(f"{key}: warm-up (compile) {v.warmup_s:.1f} s, graph breaks so far {breaks}: "
                  f"{dict(counters['graph_break']) if breaks else ''}", flush=True)
        variants.append(v)

    for _ in range(opts.rounds):
        for v in variants:
            v.timed(batches, opts.steps)
            print(f"  {v.name}: {v.ms[-1]:.1f} ms", flush=True)
    for v in variants:
        v.phases(batches, opts.steps)

    if opts.parity:
        for qat in (False, True):
            print(graphed_vs_eager(args, qat, batches), flush=True)
    print(f"\nstep profile: yolov10m.yaml, batch {opts.batch}, {opts.imgsz} px, AMP fp16, channels_last, fused SGD, "
          f"deterministic; compile mode '{opts.mode}'; {opts.rounds} interleaved rounds of {opts.steps} steps")
    print("| variant | step ms (median) | rounds | images/s | warm-up s | GPU busy | kernels/step | host syncs/step |")
    print("| --- | ---: | --- | ---: | ---: | ---: | ---: | ---: |")
    for v in variants:
        busy, kernels, _ = v.kernel_profile(batches[0])
        syncs = v.syncs_per_step(batches[0])
        med = statistics.median(v.ms)
        print(f"| {v.name} | {med:.1f} | {' '.join(f'{m:.1f}' for m in v.ms)} | {opts.batch / med * 1000:.0f} | "
              f"{v.warmup_s:.1f} | {busy:.0%} | {kernels} | {syncs} |", flush=True)
    print("\nper phase, median over steps after a sync each: CPU ms to issue / GPU ms between the phase's events")
    print("| variant | " + " | ".join(PHASES) + " |")
    print("| --- |" + " ---: |" * len(PHASES))
    for v in variants:
        cells = [f"{statistics.median(v.cpu[p]):.1f} / {statistics.median(v.gpu[p]):.1f}" for p in PHASES]
        print(f"| {v.name} | " + " | ".join(cells) + " |")
    by = {v.name: statistics.median(v.ms) for v in variants}
    for a, b in (("fp16-compile", "fp16"), ("qat-compile", "qat"), ("fp16-graphed", "fp16"), ("qat-graphed", "qat"),
                 ("qat", "fp16"), ("qat-compile", "fp16-compile"), ("qat-graphed", "fp16-graphed")):
        if a in by and b in by:
            print(f"{a} / {b}: {by[a] / by[b]:.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
