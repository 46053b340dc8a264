"""The export entry's BatchNorm re-estimation (conf/export.yaml bnReestimation): off, every model is exported with the
checkpoint's weights and statistics bit for bit; on, only the QAT models' running statistics change (from scratch and
the fine-tune alike), and export.json records that it ran and on how many images."""

import os

os.environ.setdefault("YOLO_OFFLINE", "true")
os.environ.setdefault("YOLO_AUTOINSTALL", "false")

import hashlib
import json
import shutil
from pathlib import Path

import numpy as np
import pytest
import torch

from yolo_py.export_cli import load_models, main
from yolo_py.export_request import ExportRequest
from yolo_py.quant import load_quant_checkpoint

from tiny_checkpoints import save_fp16_and_qat

IMGSZ = 64
STATS = ("running_mean", "running_var", "num_batches_tracked")


@pytest.fixture(scope="module")
def checkpoints(tmp_path_factory) -> Path:
    d = tmp_path_factory.mktemp("export-bn")
    save_fp16_and_qat(d / "fp16.pt", d / "qat.pt")
    shutil.copy(d / "qat.pt", d / "qat-ft.pt")  # the fine-tune: the same weights, so the same statistics must come out
    images = np.random.default_rng(0).random((5, 3, IMGSZ, IMGSZ), dtype=np.float32)
    images.astype("<f4").tofile(d / "bn.f32")
    names = [f"{i:012d}.jpg" for i in range(5)]
    meta = {"shape": [5, 3, IMGSZ, IMGSZ], "imgsz": IMGSZ, "images": names, "requested": 8, "letterbox": "val",
            "sha256": hashlib.sha256("\n".join(names).encode()).hexdigest()}
    (d / "bn.json").write_text(json.dumps(meta))
    return d


def request(d: Path, bn: bool, models=(("fp16", "one2one"), ("qat", "one2one")), imgsz=IMGSZ) -> Path:
    entries = [{"variant": v, "head": h, "checkpoint": str(d / f"{v}.pt"), "file": f"{v}-{h}.onnx"} for v, h in models]
    out = d / f"onnx-{'bn' if bn else 'off'}"
    out.mkdir(exist_ok=True)
    body = {"out_dir": str(out), "imgsz": imgsz, "opset": 18, "models": entries,
            "bn_reestimation": {"tensor": str(d / "bn.f32"), "meta": str(d / "bn.json"), "batch": 2} if bn else None}
    path = d / f"request-{'bn' if bn else 'off'}.json"
    path.write_text(json.dumps(body))
    return path


def test_off_exports_the_checkpoints_bit_for_bit(checkpoints):
    loaded, reestimated = load_models(ExportRequest.from_file(request(checkpoints, bn=False)))
    assert reestimated == {}
    stored = load_quant_checkpoint(checkpoints / "qat.pt")[0].state_dict()
    qat = loaded["qat"][0].state_dict()
    assert qat.keys() == stored.keys() and all(torch.equal(qat[k], stored[k]) for k in stored)


def test_on_moves_only_the_qat_running_statistics(checkpoints):
    off, _ = load_models(ExportRequest.from_file(request(checkpoints, bn=False)))
    on, reestimated = load_models(ExportRequest.from_file(request(checkpoints, bn=True)))
    layers = sum(isinstance(m, torch.nn.BatchNorm2d) for m in on["qat"][0].modules())
    assert reestimated == {"qat": {"images": 5, "batches": 3, "batch": 2, "layers": layers, "requested": 8, "letterbox": "val",
                                   "list_sha256": json.loads((checkpoints / "bn.json").read_text())["sha256"]}}
    before, after = off["qat"][0].state_dict(), on["qat"][0].state_dict()
    moved = [k for k in before if not torch.equal(before[k], after[k])]
    assert moved and all(k.endswith(STATS) for k in moved)
    assert len(moved) == 3 * layers  # every BatchNorm layer's mean, variance and count
    fp16_off, fp16_on = off["fp16"][0].state_dict(), on["fp16"][0].state_dict()
    assert all(torch.equal(fp16_off[k], fp16_on[k]) for k in fp16_off)  # FP16 is exported as trained


def test_the_fine_tune_is_re_estimated_like_the_qat_model(checkpoints):
    models = (("fp16", "one2one"), ("qat", "one2one"), ("qat-ft", "one2one"))
    on, reestimated = load_models(ExportRequest.from_file(request(checkpoints, bn=True, models=models)))
    assert sorted(reestimated) == ["qat", "qat-ft"] and reestimated["qat-ft"] == reestimated["qat"]
    qat, ft = on["qat"][0].state_dict(), on["qat-ft"][0].state_dict()
    assert all(torch.equal(qat[k], ft[k]) for k in qat)


def test_export_json_records_the_re_estimation(checkpoints, yolo_config_dir):
    path = request(checkpoints, bn=True, models=[(v, h) for v in ("fp16", "qat", "qat-ft") for h in ("one2one", "one2many-nms")])
    assert main([str(path), str(yolo_config_dir)]) == 0
    written = json.loads((checkpoints / "onnx-bn" / "export.json").read_text())
    assert written["bnReestimation"]["variants"] == ["qat", "qat-ft"]
    assert (written["bnReestimation"]["images"], written["bnReestimation"]["batches"]) == (5, 3)


def test_images_of_another_size_are_refused_naming_the_file(checkpoints, yolo_config_dir, capsys):
    path = request(checkpoints, bn=True, imgsz=96)
    assert main([str(path), str(yolo_config_dir)]) == 2
    assert "bn.json: the BatchNorm images are 64x64, the export is 96x96" in capsys.readouterr().err
