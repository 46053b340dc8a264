"""Training validates the head the product exports: YOLOv10's one-to-one, NMS-free head (conf/train.yaml valHead).

Ultralytics runs a YOLOv10's training validation on the one-to-many head with NMS unless `nms` is False; the product
exports and scores the one-to-one head, so results.csv, best.pt's fitness and the final metrics must measure that.
"""

from __future__ import annotations

import json

import torch
from ultralytics.models.yolo.detect import DetectionValidator

from train_support import TINY_HYPS, train_here, write_request

MAP = "metrics/mAP50-95(B)"


def first_batch_predictions(monkeypatch) -> list[list[dict]]:
    """The post-processed predictions of the first batch of every validation run, in order."""
    seen: list[list[dict]] = []
    real = DetectionValidator.update_metrics

    def spy(self, preds, batch):
        if self.seen == 0:
            seen.append([{k: v.clone() for k, v in p.items()} for p in preds])
        return real(self, preds, batch)

    monkeypatch.setattr(DetectionValidator, "update_metrics", spy)
    return seen


def same(a: list[dict], b: list[dict]) -> bool:
    """The same detections per image up to float rounding: the final validation runs the checkpoint with BN fused into
    the convs, so near-tied scores of a barely trained model may swap places (compared sorted, boxes by area)."""

    def key(p: dict) -> tuple:
        area = (p["bboxes"][:, 2] - p["bboxes"][:, 0]) * (p["bboxes"][:, 3] - p["bboxes"][:, 1])
        return p["conf"].sort().values, area.sort().values, p["cls"].sort().values

    return len(a) == len(b) and all(
        torch.allclose(cx, cy, atol=1e-4) and torch.allclose(ax, ay, rtol=1e-3) and torch.equal(kx, ky)
        for (cx, ax, kx), (cy, ay, ky) in ((key(x), key(y)) for x, y in zip(a, b))
    )


def test_training_validation_equals_ultralytics_val_of_the_checkpoint_with_nms_false(tmp_path, tiny_dataset, yolo_config_dir, monkeypatch):
    """The epoch's validation (the EMA in the trainer) against Ultralytics' validation of the saved checkpoint with
    nms=False (the final validation of best.pt, through AutoBackend as `yolo val` runs it): same detections, same mAP."""
    # conf 1e-4 so the barely trained model's low scores still give detections to compare.
    request = write_request(tmp_path, tiny_dataset, "qat", epochs=1, hyps={**TINY_HYPS, "conf": 0.0001})
    with monkeypatch.context() as patch:
        seen = first_batch_predictions(patch)
        assert train_here(patch, request, yolo_config_dir) == 0
    epoch_validation, checkpoint_validation = seen
    assert sum(len(p["conf"]) for p in epoch_validation) > 0, "no detections to compare: the test would prove nothing"
    assert same(epoch_validation, checkpoint_validation)
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
