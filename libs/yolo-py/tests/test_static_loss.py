"""The static-shape YOLOv10 loss (yolo_py/static_loss) against Ultralytics' own criterion, on the CPU.

Parity: a tiny yolov10n (random init, 3 classes, 128 px: 336 anchors) gives Ultralytics' E2ELoss; both losses read the
same head outputs, and the loss vector, the loss items and the gradients must agree to 1e-5 relative (measured: equal
to a few float32 ulps, see the printed figures with -s). Static shapes: the loss traces as one graph with no break
where Ultralytics' breaks on its data-dependent operators.
"""

from __future__ import annotations

import copy

import pytest
import torch

from yolo_py.static_loss import (
    BOX_BUCKETS,
    StaticDetectionLoss,
    StaticE2ELoss,
    box_bucket,
    build_static_loss,
    most_boxes_per_image,
    pad_targets,
)

IMGSZ = 128  # levels of 16, 8 and 4 cells
NUM_CLASSES = 3
BATCH = 4
REL_TOL = 1e-5


# --- fixtures and helpers --------------------------------------------------------------------------------------
def _model(yaml: str):
    from ultralytics.cfg import get_cfg
    from ultralytics.nn.tasks import DetectionModel

    torch.manual_seed(0)
    model = DetectionModel(yaml, nc=NUM_CLASSES, verbose=False)
    model.args = get_cfg()  # the default hyperparameters (box 7.5, cls 0.5, dfl 1.5), as the trainer sets them
    return model


@pytest.fixture(scope="module")
def v10():
    return _model("yolov10n.yaml")


def _criterion(model):
    """Ultralytics' criterion, a few epochs into its branch-gain schedule so the gains are not the initial ones."""
    criterion = model.init_criterion()
    if hasattr(criterion, "update"):
        for _ in range(3):
            criterion.update()
    return criterion


def _static(model, criterion):
    loss = build_static_loss(model)
    if isinstance(loss, StaticE2ELoss):
        loss.follow(criterion)
    return loss


def _labels(counts, gen, min_size=0.01, max_size=0.5):
    """Ultralytics' flat batch labels (batch_idx, cls, normalized xywh), images in order."""
    n = sum(counts)
    batch_idx = torch.cat([torch.full((c,), float(i)) for i, c in enumerate(counts)]) if n else torch.zeros(0)
    cls = torch.randint(0, NUM_CLASSES, (n, 1), generator=gen).float()
    wh = torch.rand(n, 2, generator=gen) * (max_size - min_size) + min_size
    xy = wh / 2 + torch.rand(n, 2, generator=gen) * (1 - wh)  # inside the image
    return {"batch_idx": batch_idx, "cls": cls, "bboxes": torch.cat((xy, wh), 1)}


def _head(gen, batch=BATCH, constant=False):
    anchors = sum((IMGSZ // s) ** 2 for s in (8, 16, 32))
    if constant:  # every anchor predicts the same: exact ties in the assigner's metric
        boxes, scores = torch.zeros(batch, 64, anchors), torch.zeros(batch, NUM_CLASSES, anchors)
    else:
        boxes = torch.randn(batch, 64, anchors, generator=gen) * 2
        scores = torch.randn(batch, NUM_CLASSES, anchors, generator=gen) - 2
    feats = [torch.zeros(batch, 1, IMGSZ // s, IMGSZ // s) for s in (8, 16, 32)]  # shapes only
    return {"boxes": boxes.requires_grad_(), "scores": scores.requires_grad_(), "feats": feats}


def _random_preds(gen, constant=False):
    return {"one2many": _head(gen, constant=constant), "one2one": _head(gen, constant=constant)}


def _leaves(preds):
    return [preds[k][name] for k in ("one2many", "one2one") for name in ("boxes", "scores")]


def _rel(a: torch.Tensor, b: torch.Tensor) -> tuple[float, float]:
    """(max abs difference, that over the largest magnitude): the relative error of the vector as a whole."""
    diff = (a.detach() - b.detach()).abs().max().item() if a.numel() else 0.0
    scale = max(a.detach().abs().max().item() if a.numel() else 0.0, 1e-12)
    return diff, diff / scale


def _compare(label, model, criterion, preds, batch, width, wrt):
    """Both losses on the same outputs; asserts parity of loss, items and gradients w.r.t. `wrt`, and prints the
    measured differences."""
    ours = _static(model, criterion)
    targets, mask = pad_targets(batch["batch_idx"], batch["cls"], batch["bboxes"], BATCH, width)
    ref_loss, ref_items = criterion(preds, batch)
    loss, items = ours(preds, targets, mask)
    assert loss.shape == ref_loss.shape == (3,) and loss.dtype == ref_loss.dtype
    assert list(items) == list(ref_items)
    figures = {"loss": _rel(ref_loss, loss)}
    for name in ref_items:
        figures[name] = _rel(ref_items[name], items[name])
    ref_grads = torch.autograd.grad(ref_loss.sum(), wrt, retain_graph=True, allow_unused=True)
    grads = torch.autograd.grad(loss.sum(), wrt, allow_unused=True)
    flat = lambda gs: torch.cat([(g if g is not None else torch.zeros_like(p)).flatten() for g, p in zip(gs, wrt)])
    figures["grad"] = _rel(flat(ref_grads), flat(grads))
    print(f"\n{label}: " + ", ".join(f"{k} abs {a:.2e} rel {r:.2e}" for k, (a, r) in figures.items()))
    for key, (_, rel) in figures.items():
        assert rel <= REL_TOL, f"{label}: {key} differs by {rel:.2e} relative"
    return ref_loss, loss


# --- parity on random head outputs ---------------------------------------------------------------------------------
CASES = {
    "random boxes": ([3, 7, 1, 5], 32),
    "an image without boxes": ([4, 0, 2, 3], 32),
    "a batch without boxes": ([0, 0, 0, 0], 32),
    "one box": ([0, 1, 0, 0], 32),
    "many boxes, at the bucket": ([32, 31, 30, 32], 32),
    "width far above the batch's": ([2, 3, 1, 0], 512),
}


@pytest.mark.parametrize("case", list(CASES))
def test_parity_with_ultralytics(v10, case):
    counts, width = CASES[case]
    gen = torch.Generator().manual_seed(len(case))
    preds = _random_preds(gen)
    ref_loss, _ = _compare(case, v10, _criterion(v10), preds, _labels(counts, gen), width, _leaves(preds))
    assert torch.isfinite(ref_loss).all()


def test_parity_with_small_boxes_widened_to_the_middle_stride(v10):
    """Boxes under 16 px get widened before the inside-the-box test; some reach no anchor otherwise."""
    gen = torch.Generator().manual_seed(1)
    preds = _random_preds(gen)
    batch = _labels([5, 6, 4, 6], gen, min_size=0.005, max_size=0.12)
    _compare("small boxes", v10, _criterion(v10), preds, batch, 32, _leaves(preds))


@pytest.mark.parametrize("constant", [False, True], ids=["random outputs", "constant outputs"])
def test_parity_with_duplicate_boxes_and_ties(v10, constant):
    """The same box three times (twice one class, once another) and overlapping copies: anchors claimed by several
    boxes with equal overlaps, resolved by first index; with constant outputs the alignment metric ties too."""
    gen = torch.Generator().manual_seed(2)
    preds = _random_preds(gen, constant=constant)
    rows = []
    for image in range(BATCH):
        box = [0.3 + 0.1 * image, 0.5, 0.3, 0.4]
        rows += [[image, 1, *box], [image, 1, *box], [image, 2, *box], [image, 0, box[0] + 0.01, 0.5, 0.3, 0.4]]
        if image == 2:
            rows.append([image, 0, 0.5, 0.5, 0.05, 0.05])  # a tiny box inside the others
    table = torch.tensor(rows)
    batch = {"batch_idx": table[:, 0], "cls": table[:, 1:2], "bboxes": table[:, 2:]}
    _compare(f"duplicates and ties ({'constant' if constant else 'random'})", v10, _criterion(v10), preds, batch, 32, _leaves(preds))


def test_parity_with_a_degenerate_label_at_the_origin(v10):
    """A zero-size box at (0, 0) is padding to Ultralytics (its xyxy coordinates do not sum above 0). It is a listed
    row of the table here and counts as padding too, so the assignment is Ultralytics' (as a box it would score 0
    anyway: the loss alone could not tell)."""
    from yolo_py.static_loss.assigner import ground_truth
    from yolo_py.static_loss.boxes import anchor_grid

    gen = torch.Generator().manual_seed(10)
    preds = _random_preds(gen)
    batch = _labels([2, 3, 1, 2], gen)
    batch["bboxes"][2] = 0.0  # image 1's first box
    _compare("degenerate label", v10, _criterion(v10), preds, batch, 32, _leaves(preds))
    targets, mask = pad_targets(batch["batch_idx"], batch["cls"], batch["bboxes"], BATCH, 32)
    truth = ground_truth(targets, mask, anchor_grid(preds["one2many"]["feats"], (8.0, 16.0, 32.0)), 16.0)
    assert mask[1, 0] and not truth.valid[1, 0] and not truth.in_box[1, 0].any()
    assert truth.valid.sum() == mask.sum() - 1


def test_parity_with_class_weights():
    """Ultralytics multiplies the class loss by the model's class_weights when the trainer sets them."""
    model = _model("yolov10n.yaml")
    model.class_weights = torch.tensor([0.5, 1.0, 1.5])
    gen = torch.Generator().manual_seed(3)
    preds = _random_preds(gen)
    _compare("class weights", model, _criterion(model), preds, _labels([3, 2, 4, 1], gen), 32, _leaves(preds))


def test_parity_of_the_one_head_loss():
    """A model without the one-to-one head (yolov8n) gets v8DetectionLoss from Ultralytics, StaticDetectionLoss here."""
    model = _model("yolov8n.yaml")
    criterion = model.init_criterion()
    assert isinstance(build_static_loss(model), StaticDetectionLoss)
    gen = torch.Generator().manual_seed(4)
    preds = _head(gen)
    _compare("one head (yolov8n)", model, criterion, preds, _labels([3, 0, 5, 2], gen), 64, [preds["boxes"], preds["scores"]])


def test_parity_under_bfloat16_autocast(v10):
    """Ultralytics' loss runs under the trainer's autocast; the same operations in the same order get the same
    precisions, so the results stay equal with half-precision head outputs."""
    gen = torch.Generator().manual_seed(5)
    preds = _random_preds(gen)
    for head in preds.values():
        for key in ("boxes", "scores"):
            head[key] = head[key].detach().bfloat16().requires_grad_()
        head["feats"] = [f.bfloat16() for f in head["feats"]]
    with torch.autocast("cpu", dtype=torch.bfloat16):
        _compare("bfloat16 autocast", v10, _criterion(v10), preds, _labels([4, 2, 6, 3], gen), 32, _leaves(preds))


def test_padding_rows_have_no_effect(v10):
    """Whatever the masked rows hold (a reused buffer, NaN), the loss and gradients equal those of clean padding."""
    gen = torch.Generator().manual_seed(6)
    preds = _random_preds(gen)
    batch = _labels([3, 1, 0, 2], gen)
    targets, mask = pad_targets(batch["batch_idx"], batch["cls"], batch["bboxes"], BATCH, 32)
    junk = torch.rand(targets.shape, generator=gen) * 2
    junk[..., 0] = 2.0  # a class index that exists
    junk[0, -1] = float("nan")
    dirty = torch.where(mask, targets, junk)
    loss_fn = _static(v10, _criterion(v10))
    clean_loss, clean_items = loss_fn(preds, targets, mask)
    dirty_loss, dirty_items = loss_fn(preds, dirty, mask)
    assert torch.equal(clean_loss, dirty_loss)
    assert all(torch.equal(clean_items[k], dirty_items[k]) for k in clean_items)
    leaves = _leaves(preds)
    for a, b in zip(torch.autograd.grad(clean_loss.sum(), leaves), torch.autograd.grad(dirty_loss.sum(), leaves)):
        assert torch.equal(a, b)


def test_branch_gains_follow_the_criterion_schedule(v10):
    criterion = v10.init_criterion()
    loss_fn = StaticE2ELoss(v10)
    assert loss_fn.branch_gains.tolist() == pytest.approx([criterion.o2m, criterion.o2o])
    for _ in range(50):
        criterion.update()
    loss_fn.follow(criterion)
    assert loss_fn.branch_gains.tolist() == pytest.approx([criterion.o2m, criterion.o2o])


# --- parity on a trained model's outputs ------------------------------------------------------------------------
def test_parity_on_a_trained_model(v10):
    """Train-mode outputs of the real tiny model after a few SGD steps on Ultralytics' loss, gradients compared on
    every parameter (both heads' losses flow back through the model)."""
    model = copy.deepcopy(v10).train()
    criterion = _criterion(model)
    optimizer = torch.optim.SGD(model.parameters(), lr=0.01, momentum=0.9)
    gen = torch.Generator().manual_seed(7)
    for _ in range(3):
        images = torch.rand(BATCH, 3, IMGSZ, IMGSZ, generator=gen)
        loss, _ = criterion(model(images), _labels([2, 4, 1, 3], gen))
        optimizer.zero_grad()
        loss.sum().backward()
        optimizer.step()
    preds = model(torch.rand(BATCH, 3, IMGSZ, IMGSZ, generator=gen))
    params = [p for p in model.parameters() if p.requires_grad]
    _compare("trained model (parameter gradients)", model, criterion, preds, _labels([5, 0, 3, 8], gen), 32, params)


# --- static shapes, no host sync ---------------------------------------------------------------------------------
def _explain(fn, *args):
    import torch._dynamo

    torch._dynamo.reset()
    try:
        return torch._dynamo.explain(fn)(*args)
    finally:
        torch._dynamo.reset()


def test_the_loss_traces_as_one_graph(v10):
    """TorchDynamo ends a graph at every host read (.item(), a Python `if` on a tensor) and data-dependent shape
    (nonzero, unique, boolean indexing): the static loss, both heads, traces whole."""
    gen = torch.Generator().manual_seed(8)
    preds = _random_preds(gen)
    batch = _labels([3, 5, 0, 2], gen)
    targets, mask = pad_targets(batch["batch_idx"], batch["cls"], batch["bboxes"], BATCH, 32)
    ours = _explain(_static(v10, _criterion(v10)).__call__, preds, targets, mask)
    assert (ours.graph_count, ours.graph_break_count) == (1, 0), [r.reason for r in ours.break_reasons]


def test_ultralytics_loss_does_not_trace_as_one_graph(v10):
    """The check above can fail: Ultralytics' loss (one of its heads is enough) breaks on its data-dependent ops."""
    gen = torch.Generator().manual_seed(8)
    preds = _random_preds(gen)
    theirs = _explain(_criterion(v10).one2many, preds["one2many"], _labels([3, 5, 0, 2], gen))
    reasons = " ".join(r.reason for r in theirs.break_reasons)
    assert theirs.graph_break_count > 0
    assert "nonzero" in reasons or "unique" in reasons or "_local_scalar_dense" in reasons


def test_the_compiled_loss_is_one_graph_for_every_batch_of_a_width(v10):
    """fullgraph=True fails on any break; a batch with other boxes (same width) reuses the graph, so nothing the
    trace depends on (guards) reads the data."""
    import torch._dynamo

    graphs = []

    def count_graphs(gm, _inputs):
        graphs.append(gm)
        return gm.forward

    gen = torch.Generator().manual_seed(9)
    preds = _random_preds(gen)
    loss_fn = _static(v10, _criterion(v10))
    torch._dynamo.reset()
    compiled = torch.compile(loss_fn.__call__, fullgraph=True, backend=count_graphs, dynamic=False)
    for counts in ([3, 5, 0, 2], [0, 0, 0, 0], [9, 1, 4, 30]):
        batch = _labels(counts, gen)
        targets, mask = pad_targets(batch["batch_idx"], batch["cls"], batch["bboxes"], BATCH, 32)
        loss, items = compiled(preds, targets, mask)
        eager_loss, eager_items = loss_fn(preds, targets, mask)
        assert torch.equal(loss, eager_loss)
        assert all(torch.equal(items[k], eager_items[k]) for k in items)
    assert len(graphs) == 1
    torch._dynamo.reset()


# --- padding and buckets --------------------------------------------------------------------------------------------
def test_pad_targets_fills_each_image_in_batch_order():
    batch_idx = torch.tensor([0.0, 0.0, 2.0, 2.0, 2.0])
    cls = torch.tensor([[1.0], [2.0], [0.0], [1.0], [2.0]])
    bboxes = torch.arange(20, dtype=torch.float32).view(5, 4) / 20
    targets, mask = pad_targets(batch_idx, cls, bboxes, batch_size=3, max_boxes=4)
    assert targets.shape == (3, 4, 5) and targets.dtype == torch.float32
    assert mask.shape == (3, 4, 1) and mask.dtype == torch.bool
    assert mask.squeeze(-1).tolist() == [[True, True, False, False], [False] * 4, [True, True, True, False]]
    assert torch.equal(targets[0, :2], torch.cat((cls[:2], bboxes[:2]), 1))
    assert torch.equal(targets[2, :3], torch.cat((cls[2:], bboxes[2:]), 1))
    assert not targets[~mask.squeeze(-1)].any()


def test_pad_targets_does_not_need_sorted_images():
    batch_idx = torch.tensor([2.0, 0.0, 2.0, 1.0, 0.0])
    cls = torch.arange(5, dtype=torch.float32).view(5, 1)
    bboxes = torch.rand(5, 4)
    targets, mask = pad_targets(batch_idx, cls, bboxes, batch_size=3, max_boxes=2)
    assert targets[0, :, 0].tolist() == [1.0, 4.0]  # image 0's boxes in their batch order
    assert targets[1, 0, 0].item() == 3.0 and not mask[1, 1]
    assert targets[2, :, 0].tolist() == [0.0, 2.0]
    assert torch.equal(targets[2, 1, 1:], bboxes[2])


def test_pad_targets_of_an_empty_batch():
    targets, mask = pad_targets(torch.zeros(0), torch.zeros(0, 1), torch.zeros(0, 4), batch_size=2, max_boxes=32)
    assert targets.shape == (2, 32, 5) and not targets.any() and not mask.any()


def test_pad_targets_rejects_a_batch_wider_than_the_table():
    batch_idx = torch.tensor([0.0] * 3 + [1.0] * 5)
    with pytest.raises(ValueError, match="5 boxes"):
        pad_targets(batch_idx, torch.zeros(8, 1), torch.rand(8, 4), batch_size=2, max_boxes=4)
    with pytest.raises(ValueError, match="outside"):
        pad_targets(torch.tensor([0.0, 2.0]), torch.zeros(2, 1), torch.rand(2, 4), batch_size=2, max_boxes=4)


def test_box_bucket_is_the_smallest_that_fits_or_none():
    def batch_with(most):
        return torch.tensor([0.0] * most + [1.0])

    assert BOX_BUCKETS == tuple(sorted(BOX_BUCKETS))
    assert box_bucket(torch.zeros(0), 4) == BOX_BUCKETS[0]
    assert most_boxes_per_image(batch_with(33), 2) == 33
    assert box_bucket(batch_with(32), 2) == 32
    assert box_bucket(batch_with(33), 2) == 64
    assert box_bucket(batch_with(BOX_BUCKETS[-1]), 2) == BOX_BUCKETS[-1]
    assert box_bucket(batch_with(BOX_BUCKETS[-1] + 1), 2) is None  # the caller runs Ultralytics' eager loss
    assert box_bucket(batch_with(10), 2, buckets=(64, 16)) == 16
    # What the bucket admits, pad_targets takes; one box more is refused.
    over = batch_with(BOX_BUCKETS[-1] + 1)
    with pytest.raises(ValueError):
        pad_targets(over, torch.zeros(len(over), 1), torch.rand(len(over), 4), 2, BOX_BUCKETS[-1])
