"""yolo_py.train with a fault injected from outside (tools only; the product has no fault option).

    python3 tools/bench/gpu/faults/inject_train.py <nan|oom> <request.json> <yolo-config-dir>

nan: after the first optimizer step of epoch FAULT_EPOCH (1-based, default 3), a weight of the trained model
     becomes NaN once: the trainer must redo that epoch from last.pt.
oom: the FAULT_CALL-th training forward (default 3, after the CUDA-graph capture and a replay) raises CUDA's
     out-of-memory error once: Ultralytics halves the batch, the trainer must capture the graphs again.
Both print what they did, and the CUDA memory reserved around the batch change and at each capture.
"""

from __future__ import annotations

import os
import sys

from yolo_py import offline, train


def inject_nan(epoch: int) -> None:
    import torch

    from yolo_py.trainer import ExperimentTrainer

    real_step, done = ExperimentTrainer.optimizer_step, []

    def step(self):
        real_step(self)
        if self.epoch + 1 == epoch and not done:
            done.append(True)
            with torch.no_grad():
                weight = next(p for p in self.model.parameters() if p.dim() == 4)
                weight[(0,) * weight.dim()] = float("nan")  # indexing, not a view: the weights are channels_last
            print(f"fault: NaN written into a weight after the first step of epoch {epoch}", flush=True)

    ExperimentTrainer.optimizer_step = step


def inject_oom(call: int) -> None:
    import torch

    from yolo_py import cuda_graph
    from yolo_py.trainer import ExperimentTrainer

    gib = lambda: f"{torch.cuda.memory_reserved() / 2**30:.2f} GiB reserved"  # noqa: E731
    real_forward, real_capture, real_build = cuda_graph.GraphedTraining.forward, cuda_graph._capture, ExperimentTrainer._build_train_pipeline
    calls = [0]

    def forward(self, batch, *args, **kwargs):
        if isinstance(batch, dict) and self.training and torch.is_grad_enabled():
            calls[0] += 1
            if calls[0] == call:
                print(f"fault: out of memory raised at training forward {call} ({gib()})", flush=True)
                raise torch.OutOfMemoryError("CUDA out of memory. Tried to allocate 20.00 GiB (injected by inject_train.py)")
        return real_forward(self, batch, *args, **kwargs)

    def capture(model, images):
        captured = real_capture(model, images)
        print(f"fault: CUDA graphs captured at batch {images.shape[0]} ({gib()})", flush=True)
        return captured

    def build(self):
        before = gib()
        real_build(self)
        print(f"fault: train loader built for batch {self.batch_size} (before: {before}; after: {gib()})", flush=True)

    cuda_graph.GraphedTraining.forward, cuda_graph._capture = forward, capture
    ExperimentTrainer._build_train_pipeline = build


def main(argv: list[str]) -> int:
    fault, args = argv[0], argv[1:]
    real_apply = offline.apply_settings

    def apply_then_inject() -> None:  # after the offline switches, before the trainer is imported by train.main
        real_apply()
        if fault == "nan":
            inject_nan(int(os.environ.get("FAULT_EPOCH", "3")))
        elif fault == "oom":
            inject_oom(int(os.environ.get("FAULT_CALL", "3")))
        else:
            raise SystemExit(f"unknown fault {fault!r}: nan or oom")

    offline.apply_settings = apply_then_inject
    return train.main(args)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
