"""CUDA-graph replay of the training step (yolo_py/cuda_graph.py): what runs on a CPU.

Capture and replay need a GPU; their parity with eager training (outputs, losses and accumulated gradients equal
bit for bit on yolov10m, FP16 and QAT) is measured by tools/bench/gpu/step_profile.py --parity on the lent H200
(docs/benchmarks.md). Here: when the trainer graphs at all, that everything not a training batch of the captured
shape runs the eager model untouched, and that a CPU training never captures.
"""

from __future__ import annotations

import torch

from yolo_py.cuda_graph import GraphedTraining, should_graph


def test_graphs_only_on_one_cuda_device_at_a_fixed_input_size():
    assert should_graph(torch.device("cuda", 0), rank=-1, multi_scale=False) == (True, "")
    assert should_graph(torch.device("cpu"), rank=-1, multi_scale=False)[0] is False
    graph, why = should_graph(torch.device("cuda", 0), rank=0, multi_scale=False)
    assert not graph and "DDP" in why
    graph, why = should_graph(torch.device("cuda", 0), rank=-1, multi_scale=True)
    assert not graph and "multi-scale" in why
    graph, why = should_graph(torch.device("cuda", 0), rank=-1, multi_scale=False, distilling=True)
    assert not graph and why == "distillation runs the FP16 teacher eagerly, so the QAT step runs eager too"


class _Recorder(torch.nn.Module):
    """Stands for the detection model: records how it was called."""

    def __init__(self) -> None:
        super().__init__()
        self.conv = torch.nn.Conv2d(3, 4, 1)
        self.calls: list[str] = []

    def forward(self, x, *args, **kwargs):
        self.calls.append("batch" if isinstance(x, dict) else "images")
        return self.conv(x["img"] if isinstance(x, dict) else x).sum()


def test_eval_no_grad_and_plain_tensors_run_the_eager_model_without_capturing():
    model = _Recorder()
    wrapped = GraphedTraining(model)
    images = torch.rand(2, 3, 8, 8)
    wrapped.eval()
    wrapped({"img": images})  # validation-style call
    wrapped.train()
    with torch.no_grad():
        wrapped({"img": images})
    wrapped(images)  # a forward on images, not a training batch
    assert model.calls == ["batch", "batch", "images"]
    assert wrapped.captured is None and wrapped.replays == 0


def test_the_wrapper_is_transparent_to_ultralytics():
    from ultralytics.utils.torch_utils import unwrap_model

    model = _Recorder()
    wrapped = GraphedTraining(model)
    assert unwrap_model(wrapped) is model  # checkpoints, EMA and validation see the plain model
    assert list(wrapped.parameters()) == list(model.parameters())  # the optimizer and clipping see the same tensors
    assert set(wrapped.state_dict()) == {f"module.{k}" for k in model.state_dict()}
