"""The glue of the graphed loss (yolo_py/graphed_loss.py), on the CPU: what the graph would be fed, and the loss it
computes from it, equal to Ultralytics' own loss on the real model's training outputs. The capture and replay
themselves need a GPU (tools/bench/gpu/speed-bench.sh checks the replayed losses against plain Ultralytics')."""

from __future__ import annotations

import pytest
import torch

from yolo_py.graphed_loss import STATIC_MASK, STATIC_TARGETS, covers, graph_inputs, rebuilder, stage_targets
from yolo_py.static_loss import BOX_BUCKETS, build_static_loss

IMGSZ, NUM_CLASSES, BATCH = 128, 3, 4


def model(yaml: str):
    from ultralytics.cfg import get_cfg
    from ultralytics.nn.tasks import DetectionModel

    torch.manual_seed(0)
    built = DetectionModel(yaml, nc=NUM_CLASSES, verbose=False)
    built.args = get_cfg()
    return built.train()


def batch_with(counts: list[int]) -> dict[str, torch.Tensor]:
    gen = torch.Generator().manual_seed(1)
    n = sum(counts)
    wh = torch.rand(n, 2, generator=gen) * 0.4 + 0.05
    return {
        "img": torch.rand(len(counts), 3, IMGSZ, IMGSZ, generator=gen),
        "batch_idx": torch.cat([torch.full((c,), float(i)) for i, c in enumerate(counts)]),
        "cls": torch.randint(0, NUM_CLASSES, (n, 1), generator=gen).float(),
        "bboxes": torch.cat((wh / 2 + torch.rand(n, 2, generator=gen) * (1 - wh), wh), 1),
    }


def test_the_graph_reads_the_heads_boxes_and_scores_and_only_the_shapes_of_the_features():
    v10 = model("yolov10n.yaml")
    preds = v10(torch.rand(BATCH, 3, IMGSZ, IMGSZ))
    inputs, rebuild = graph_inputs(preds), rebuilder(preds)
    assert [t.data_ptr() for t in inputs] == [preds[h][k].data_ptr() for h in ("one2many", "one2one") for k in ("boxes", "scores")]
    rebuilt = rebuild([t.detach().clone() for t in inputs])
    for head in ("one2many", "one2one"):
        assert [f.shape for f in rebuilt[head]["feats"]] == [f.shape for f in preds[head]["feats"]]
        assert all(f.stride() == (0,) * f.dim() for f in rebuilt[head]["feats"])  # stand-ins: no memory, nothing copied


def test_the_loss_from_the_graphs_inputs_equals_ultralytics_loss_on_the_real_model():
    v10 = model("yolov10n.yaml")
    batch = batch_with([3, 0, 7, 1])
    preds = v10(batch["img"])
    expected, expected_items = v10.loss(batch, preds)
    stage_targets(batch)
    inputs, rebuild = graph_inputs(preds), rebuilder(preds)
    loss, items = build_static_loss(v10)(rebuild(inputs), batch[STATIC_TARGETS], batch[STATIC_MASK])
    torch.testing.assert_close(loss, expected, rtol=1e-5, atol=1e-6)
    torch.testing.assert_close(torch.stack(list(items.values())), torch.stack(list(expected_items.values())), rtol=1e-5, atol=1e-6)
    grads = torch.autograd.grad(loss.sum(), inputs)
    expected_grads = torch.autograd.grad(v10.loss(batch, preds)[0].sum(), inputs)
    for got, want in zip(grads, expected_grads):
        torch.testing.assert_close(got, want, rtol=1e-5, atol=1e-7)


def test_a_batch_is_padded_to_the_smallest_width_that_holds_it_and_one_no_width_holds_gets_no_table():
    small = batch_with([3, 0, 40, 1])
    stage_targets(small)
    assert small[STATIC_TARGETS].shape == (4, 64, 5) and small[STATIC_MASK].shape == (4, 64, 1)
    assert int(small[STATIC_MASK].sum()) == 44
    crowded = batch_with([1, max(BOX_BUCKETS) + 1])
    stage_targets(crowded)
    assert STATIC_TARGETS not in crowded and STATIC_MASK not in crowded  # Ultralytics' loss for this one


def test_only_yolov10s_dfl_two_head_loss_is_graphed():
    assert covers(model("yolov10n.yaml"))
    assert not covers(model("yolov8n.yaml"))


@pytest.mark.skipif(not torch.cuda.is_available(), reason="capture needs CUDA")
def test_replayed_loss_equals_eager_on_cuda():
    from yolo_py.graphed_loss import GraphedLoss

    v10 = model("yolov10n.yaml").cuda()
    graphed = GraphedLoss(v10)
    for counts in ([3, 0, 7, 1], [2, 5, 1, 9]):
        batch = batch_with(counts)
        stage_targets(batch)
        batch = {k: v.cuda() for k, v in batch.items()}
        preds = v10(batch["img"])
        loss, items = graphed(v10, preds, batch[STATIC_TARGETS], batch[STATIC_MASK])
        expected, _ = v10.loss(batch, preds)
        torch.testing.assert_close(loss, expected, rtol=1e-4, atol=1e-5)
    assert graphed.captures == 1
