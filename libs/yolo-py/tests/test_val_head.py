"""Training validates the head the product exports: YOLOv10's one-to-one, NMS-free head (conf/train.yaml valHead).

Ultralytics runs a YOLOv10's training validation on the one-to-many head with NMS unless `nms` is False; the product
exports and scores the one-to-one head, so results.csv, best.pt's fitness and the final metrics must measure that.
"""

from __future__ import annotations

import json
from typing import Any

import torch
from ultralytics.models.yolo.detect import DetectionValidator
from ultralytics.nn.modules.head import Detect

from train_support import TINY_HYPS, train_here, write_request

MAP = "metrics/mAP50-95(B)"


def first_batch_head_tensors(monkeypatch) -> list[tuple[list[torch.Tensor], torch.Tensor]]:
    """For the first batch of every validation run, in order: the detection head's input feature maps and the
    one-to-one head's decoded outputs for every anchor (boxes and class scores, before the head's top-k).

    Compared before the top-k because a barely trained model's scores all lie near its bias init, so float rounding
    alone reorders them at the cut (a flake seen under load); and for the same reason the scores hardly depend on the
    weights, so the features the head reads are compared too: they do."""
    seen: list[tuple[list[torch.Tensor], torch.Tensor]] = []
    latest: dict[str, Any] = {}
    real_forward, real_head, real_update = Detect.forward, Detect.postprocess, DetectionValidator.update_metrics

    def forward_spy(self, x):
        if not self.training:
            latest["features"] = [f.detach().clone() for f in x]
        return real_forward(self, x)

    def head_spy(self, preds):
        latest["outputs"] = preds.detach().clone()
        return real_head(self, preds)

    def update_spy(self, preds, batch):
        if self.seen == 0:
            seen.append((latest.pop("features"), latest.pop("outputs")))
        return real_update(self, preds, batch)

    monkeypatch.setattr(Detect, "forward", forward_spy)
    monkeypatch.setattr(Detect, "postprocess", head_spy)
    monkeypatch.setattr(DetectionValidator, "update_metrics", update_spy)
    return seen


def test_training_validation_equals_ultralytics_val_of_the_checkpoint_with_nms_false(tmp_path, tiny_dataset, yolo_config_dir, monkeypatch):
    """The epoch's validation (the EMA in the trainer) against Ultralytics' validation of the saved checkpoint with
    nms=False (the final validation of best.pt, through AutoBackend as `yolo val` runs it): the same head outputs, the same mAP."""
    # conf 1e-4 so the barely trained model's low scores still give detections to score.
    request = write_request(tmp_path, tiny_dataset, "qat", epochs=1, hyps={**TINY_HYPS, "conf": 0.0001})
    with monkeypatch.context() as patch:
        seen = first_batch_head_tensors(patch)
        assert train_here(patch, request, yolo_config_dir) == 0
    (epoch_features, epoch_outputs), (checkpoint_features, checkpoint_outputs) = seen
    # The final validation fuses BN (and YOLOv10's reparameterised convs) into single convs, which moves floats by
    # rounding: the barely trained model's feature maps (values up to ~0.02) by up to 3e-4 of their largest value,
    # boxes (pixels, up to a few hundred) by ~1e-5, scores (near 1e-4) by ~1e-6 relative. Other weights or another
    # head move them by more: a bias shift of 1% of one conv's mean moves its feature map by 2.5e-3 of its largest.
    for epoch_map, checkpoint_map in zip(epoch_features, checkpoint_features, strict=True):
        torch.testing.assert_close(epoch_map, checkpoint_map, rtol=0, atol=1e-3 * checkpoint_map.abs().max().item())
    assert epoch_outputs.shape == checkpoint_outputs.shape
    boxes, scores = (slice(None, 4), slice(4, None))
    torch.testing.assert_close(epoch_outputs[..., boxes], checkpoint_outputs[..., boxes], rtol=0, atol=1e-3)
    torch.testing.assert_close(epoch_outputs[..., scores], checkpoint_outputs[..., scores], rtol=1e-4, atol=1e-9)
    header, row = (tmp_path / "qat" / "results.csv").read_text().strip().splitlines()[:2]
    in_csv = dict(zip([h.strip() for h in header.split(",")], map(float, row.split(","))))
    final = json.loads((tmp_path / "qat" / "run.json").read_text())
    assert final["valHead"] == "one2one"
    assert abs(in_csv[MAP] - final["finalMetrics"][MAP]) < 1e-5


def test_the_one2many_setting_validates_the_one_to_many_head_with_nms(tmp_path, tiny_dataset, yolo_config_dir, monkeypatch):
    heads: list[bool] = []
    real = DetectionValidator.postprocess

    def spy(self, preds):
        heads.append(self.end2end)
        return real(self, preds)

    monkeypatch.setattr(DetectionValidator, "postprocess", spy)
    for head, expected in (("one2many-nms", False), ("one2one", True)):
        heads.clear()
        (tmp_path / head).mkdir()
        request = write_request(tmp_path / head, tiny_dataset, "fp16", epochs=1, val_head=head)
        assert train_here(monkeypatch, request, yolo_config_dir) == 0
        assert heads and set(heads) == {expected}, head
