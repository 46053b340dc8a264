"""The quantized model trains like the float one: gradients reach the float weights through the STE,
and Ultralytics' ModelEMA (deepcopy + in-place averaging) works on it."""

import os

os.environ.setdefault("YOLO_OFFLINE", "true")
os.environ.setdefault("YOLO_AUTOINSTALL", "false")

import copy

import pytest
import torch
from brevitas.nn import QuantConv2d
from ultralytics.cfg import get_cfg
from ultralytics.nn.tasks import DetectionModel
from ultralytics.utils.torch_utils import ModelEMA

from yolo_py.quant import QatSettings, quantize_model

BATCH = {
    "img": torch.rand(2, 3, 128, 128, generator=torch.Generator().manual_seed(0)),
    "cls": torch.tensor([[1.0], [3.0], [5.0]]),
    "bboxes": torch.tensor([[0.5, 0.5, 0.2, 0.3], [0.3, 0.3, 0.1, 0.1], [0.7, 0.6, 0.3, 0.2]]),
    "batch_idx": torch.tensor([0.0, 0.0, 1.0]),
}


@pytest.fixture(scope="module")
def models() -> tuple[DetectionModel, DetectionModel]:
    torch.manual_seed(0)
    float_model = DetectionModel("yolov10n.yaml", nc=80, verbose=False)
    quant_model = copy.deepcopy(float_model)
    quantize_model(quant_model, QatSettings())
    for m in (float_model, quant_model):
        m.args = get_cfg()  # the loss reads its gains (box, cls, dfl) from here, as in the trainer
    return float_model, quant_model


def backward(model: DetectionModel) -> dict[str, torch.Tensor | None]:
    model.train()
    model.zero_grad(set_to_none=True)
    loss, _ = model.loss(BATCH)
    loss.sum().backward()
    return {n: p.grad for n, p in model.named_parameters() if p.requires_grad}


def test_gradients_flow_through_the_ste_like_in_the_float_model(models):
    float_model, quant_model = models
    f_grads, q_grads = backward(float_model), backward(quant_model)
    assert f_grads.keys() == q_grads.keys()
    # The same parameters receive a (non-zero) gradient: the rounding blocks no path.
    with_grad = {n for n, g in q_grads.items() if g is not None and g.abs().sum() > 0}
    assert with_grad == {n for n, g in f_grads.items() if g is not None and g.abs().sum() > 0}
    assert all(torch.isfinite(g).all() for g in q_grads.values() if g is not None)
    qconv_weights = {f"{n}.weight" for n, m in quant_model.named_modules() if isinstance(m, QuantConv2d)}
    assert len(qconv_weights & with_grad) > 80  # most quantized convs get a gradient from this tiny batch


def test_sgd_step_moves_float_weights_and_their_codes(models):
    _, quant_model = models
    backward(quant_model)
    conv = quant_model.model[2].cv1.conv
    before_w, before_q = conv.weight.detach().clone(), conv.quant_weight().value.detach().clone()
    torch.optim.SGD([p for p in quant_model.parameters() if p.requires_grad], lr=0.5).step()
    assert not torch.equal(conv.weight, before_w)
    assert not torch.equal(conv.quant_weight().value, before_q)


def test_model_ema_tracks_the_quantized_model(models):
    _, quant_model = models
    ema = ModelEMA(quant_model)  # deepcopy of the whole Brevitas model
    assert isinstance(ema.ema.model[0].conv, QuantConv2d)
    with torch.no_grad():
        for p in quant_model.parameters():
            p.add_(0.01)
    before = ema.ema.model[0].conv.weight.detach().clone()
    ema.update(quant_model)
    after = ema.ema.model[0].conv.weight
    d = ema.decay(ema.updates)
    torch.testing.assert_close(after, before * d + (1 - d) * quant_model.model[0].conv.weight.detach())
    # The EMA copy quantizes its own (averaged) weights, not a cached copy of the originals.
    expected_scale = after.abs().amax(dim=(1, 2, 3)) / 7
    torch.testing.assert_close(ema.ema.model[0].conv.quant_weight().scale.flatten(), expected_scale)
    with torch.no_grad():
        y, _ = ema.ema.eval()(BATCH["img"])
    assert y.shape == (2, 84, 336) and torch.isfinite(y).all()
