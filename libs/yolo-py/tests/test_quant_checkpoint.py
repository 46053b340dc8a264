"""save/load_quant_checkpoint: a reloaded QAT model is the same model, bit for bit, after training moved it."""

import os

os.environ.setdefault("YOLO_OFFLINE", "true")
os.environ.setdefault("YOLO_AUTOINSTALL", "false")

import argparse
import copy
import tempfile
from pathlib import Path

import numpy as np
import pytest
import torch
from torch import nn
from ultralytics.cfg import get_cfg
from ultralytics.nn.tasks import DetectionModel

from yolo_py.quant import QatSettings, load_quant_checkpoint, quantize_model, save_quant_checkpoint
from yolo_py.quant.checkpoint import VERSION
from yolo_py.quant.convert import quantized_conv_names

SETTINGS = QatSettings(weight_bit_width=4, keep_float=["*.dfl.conv", "model.0.conv"])


def trained_quant_model() -> DetectionModel:
    """A quantized YOLOv10n after one SGD step and with non-default BN statistics, so no tensor is at its init."""
    torch.manual_seed(0)
    model = DetectionModel("yolov10n.yaml", nc=80, verbose=False)
    quantize_model(model, SETTINGS)
    model.args = get_cfg()
    model.names = {i: f"class{i}" for i in range(80)}
    batch = {
        "img": torch.rand(2, 3, 128, 128),
        "cls": torch.tensor([[1.0], [7.0]]),
        "bboxes": torch.tensor([[0.5, 0.5, 0.3, 0.4], [0.4, 0.6, 0.2, 0.2]]),
        "batch_idx": torch.tensor([0.0, 1.0]),
    }
    optimizer = torch.optim.SGD([p for p in model.parameters() if p.requires_grad], lr=0.1)
    model.train()
    loss, _ = model.loss(batch)
    loss.sum().backward()
    optimizer.step()
    return model.eval()


@pytest.fixture(scope="module")
def model() -> DetectionModel:
    return trained_quant_model()


@pytest.fixture
def tmp_path():
    """A temporary folder removed after each test (pytest's own tmp_path keeps the last runs' files)."""
    with tempfile.TemporaryDirectory(prefix="yolo-py-ckpt-") as d:
        yield Path(d)


def outputs(model: nn.Module) -> list[torch.Tensor]:
    x = torch.rand(2, 3, 128, 128, generator=torch.Generator().manual_seed(1))
    with torch.no_grad():
        y, preds = model.eval()(x)
    return [y, preds["one2one"]["boxes"], preds["one2one"]["scores"], *preds["one2one"]["feats"]]


def test_reloaded_model_gives_identical_outputs(model, tmp_path):
    extra = {
        "epoch": 3,
        "optimizer": {"state": {0: {"momentum_buffer": torch.ones(2)}}, "param_groups": [{"lr": 0.01}]},
        "metrics": {"metrics/mAP50-95(B)": np.float64(0.25)},  # Ultralytics' metrics are NumPy scalars
        "note": None,
    }
    path = tmp_path / "last.qat.pt"
    save_quant_checkpoint(path, model, SETTINGS, extra)
    reloaded, settings, extra_back = load_quant_checkpoint(path)

    assert settings == SETTINGS
    assert extra_back["epoch"] == 3 and extra_back["note"] is None
    assert extra_back["metrics"] == {"metrics/mAP50-95(B)": 0.25}
    assert extra_back["optimizer"]["param_groups"][0]["lr"] == 0.01
    assert torch.equal(extra_back["optimizer"]["state"][0]["momentum_buffer"], torch.ones(2))
    assert reloaded.names == model.names
    assert quantized_conv_names(reloaded) == quantized_conv_names(model)
    assert type(reloaded.get_submodule("model.0.conv")) is nn.Conv2d  # keep_float survived the trip
    for a, b in zip(outputs(model), outputs(reloaded), strict=True):
        assert torch.equal(a, b)
    assert not list(tmp_path.glob(".*.tmp"))  # the atomic write left no temp file


def test_file_is_plain_data(model, tmp_path):
    path = tmp_path / "plain.pt"
    save_quant_checkpoint(path, model, SETTINGS, {})
    payload = torch.load(path, weights_only=True)  # would raise on any pickled class
    assert payload["qat_settings"] == SETTINGS.to_dict()
    assert payload["model_yaml"]["scale"] == "n"
    assert all(v.dtype != torch.float16 for v in payload["state_dict"].values())


def test_half_models_are_stored_as_float32(model, tmp_path):
    """Ultralytics keeps .half() copies for checkpoints; the format stores float32 so reloads stay exact."""
    half = copy.deepcopy(model).half()
    save_quant_checkpoint(tmp_path / "half.pt", half, SETTINGS, {})
    reloaded, _, _ = load_quant_checkpoint(tmp_path / "half.pt")
    assert reloaded.model[1].conv.weight.dtype == torch.float32
    assert torch.equal(reloaded.model[1].conv.weight, half.model[1].conv.weight.float())


def test_extra_must_be_plain_data(model, tmp_path):
    with pytest.raises(ValueError, match=r"extra\['args'\] is a Namespace"):
        save_quant_checkpoint(tmp_path / "x.pt", model, SETTINGS, {"args": argparse.Namespace()})
    assert not (tmp_path / "x.pt").exists()


def test_settings_must_describe_the_model(model, tmp_path):
    """Conv2d and QuantConv2d share state_dict keys, so wrong settings would reload a different model."""
    with pytest.raises(ValueError, match="conv 'model.0.conv' is float but the QAT settings make it quantized"):
        save_quant_checkpoint(tmp_path / "x.pt", model, QatSettings(), {})
    with pytest.raises(ValueError, match="4-bit weights but the QAT settings make it 3-bit"):
        three_bits = QatSettings(weight_bit_width=3, keep_float=SETTINGS.keep_float)
        save_quant_checkpoint(tmp_path / "x.pt", model, three_bits, {})
    assert not (tmp_path / "x.pt").exists()


def test_per_layer_widths_travel_with_the_checkpoint(tmp_path):
    torch.manual_seed(0)
    mixed = QatSettings(layers=[{"pattern": "model.0.conv", "bits": 8}, {"pattern": "model.23.*", "bits": 8}])
    model = DetectionModel("yolov10n.yaml", nc=80, verbose=False)
    quantize_model(model, mixed)
    save_quant_checkpoint(tmp_path / "mixed.pt", model, mixed, {})
    reloaded, settings, _ = load_quant_checkpoint(tmp_path / "mixed.pt")
    assert settings == mixed
    assert int(reloaded.get_submodule("model.0.conv").weight_quant.bit_width()) == 8
    assert int(reloaded.get_submodule("model.23.one2one_cv3.2.2").weight_quant.bit_width()) == 8
    assert int(reloaded.get_submodule("model.1.conv").weight_quant.bit_width()) == 4
    for a, b in zip(outputs(model), outputs(reloaded), strict=True):
        assert torch.equal(a, b)
    with pytest.raises(ValueError, match="conv 'model.0.conv' has 8-bit weights but the QAT settings make it 4-bit"):
        save_quant_checkpoint(tmp_path / "x.pt", model, QatSettings(), {})


def test_a_version_1_checkpoint_loads_with_every_conv_at_the_default_width(model, tmp_path):
    """Version 1 predates `layers`: its settings have no such key and mean every quantized conv at weight_bit_width."""
    save_quant_checkpoint(tmp_path / "new.pt", model, SETTINGS, {"epoch": 1})
    payload = torch.load(tmp_path / "new.pt", weights_only=True)
    assert payload["version"] == VERSION == 2 and payload["qat_settings"]["layers"] == []
    payload["version"] = 1
    del payload["qat_settings"]["layers"]
    torch.save(payload, tmp_path / "v1.pt")
    reloaded, settings, extra = load_quant_checkpoint(tmp_path / "v1.pt")
    assert settings == SETTINGS and settings.layers == () and extra == {"epoch": 1}
    for a, b in zip(outputs(model), outputs(reloaded), strict=True):
        assert torch.equal(a, b)
    payload["version"] = 3
    torch.save(payload, tmp_path / "v3.pt")
    with pytest.raises(ValueError, match=r"v3.pt: checkpoint version 3 is not supported \(expected one of \[1, 2\]\)"):
        load_quant_checkpoint(tmp_path / "v3.pt")


def test_foreign_files_are_rejected_by_path(model, tmp_path):
    plain = tmp_path / "state.pt"
    torch.save({"model": 1}, plain)
    with pytest.raises(ValueError, match="state.pt: not a quantized checkpoint"):
        load_quant_checkpoint(plain)
    pickled = tmp_path / "pickled.pt"
    torch.save(nn.Conv2d(1, 1, 1), pickled)  # a whole pickled module, as Ultralytics saves
    with pytest.raises(ValueError, match="pickled.pt: not a loadable quantized checkpoint"):
        load_quant_checkpoint(pickled)


@pytest.mark.parametrize("rank", [-1, 0, 1])
def test_only_the_owning_rank_strips_finished_checkpoints(model, tmp_path, rank):
    from yolo_py.trainer import strip_finished_quant_checkpoints

    path = tmp_path / f"last-rank{rank}.pt"
    save_quant_checkpoint(path, model, SETTINGS, {"epoch": 2, "optimizer": {"state": {}, "param_groups": []}})
    before = path.read_bytes()
    strip_finished_quant_checkpoints((path,), rank=rank)
    if rank == 1:  # a second DDP rank must not touch the file rank 0 is rewriting
        assert path.read_bytes() == before
    else:
        _, _, extra = load_quant_checkpoint(path)
        assert extra["optimizer"] is None and extra["epoch"] == 2
    assert not path.with_suffix(".tmp").exists()
