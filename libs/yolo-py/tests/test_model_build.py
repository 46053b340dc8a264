"""The trainer builds YOLOv10 exactly as Ultralytics' YAML defines it, from scratch, for both variants."""

from __future__ import annotations

import json

import pytest
import torch

# Ultralytics' own model summary for yolov10m.yaml with 80 classes (YOLO("yolov10m.yaml").info(), 8.4.190):
# "YOLOv10m summary: 288 layers, 16,576,768 parameters". The training model carries both heads
# (one-to-many and one-to-one); the exported inference graph keeps the one-to-one head only (~15.36 M).
YOLOV10M_PARAMETERS = 16_576_768


@pytest.fixture
def coco_request(tmp_path, monkeypatch, tiny_dataset):
    def make(variant: str) -> None:
        request = {
            "variant": variant, "model": "yolov10m.yaml", "data": str(tiny_dataset), "save_dir": str(tmp_path / variant),
            "epochs": 1, "batch": 2, "imgsz": 64, "seed": 0, "optimizer": "SGD", "amp": True, "close_mosaic": 0,
            "save_period": 5, "device": "cpu", "workers": 0, "cuda_graphs": True, "hyps": {},
            "qat": {"weight_bit_width": 4, "per_channel": True, "narrow_range": True, "keep_float": ["*.dfl.conv"], "layers": []} if variant == "qat" else None,
            "resume_from": None, "collapse_watch": None, "val_head": "one2one", "distill": None, "fine_tune": None,
        }
        path = tmp_path / f"{variant}.json"
        path.write_text(json.dumps(request))
        monkeypatch.setenv("YOLO_PY_TRAIN_REQUEST", str(path))

    return make


@pytest.mark.parametrize("variant", ["fp16", "qat"])
def test_trainer_builds_yolov10m_with_ultralytics_parameter_count(coco_request, variant):
    from yolo_py.trainer import ExperimentTrainer

    coco_request(variant)
    trainer = ExperimentTrainer()
    model = trainer.get_model(cfg="yolov10m.yaml", weights=None, verbose=False)
    assert sum(p.numel() for p in model.parameters()) == YOLOV10M_PARAMETERS
    assert model.yaml["yaml_file"].endswith("yolov10m.yaml")
    if variant == "qat":
        assert trainer.quant_report.quantized_convs == 141
        assert trainer.quant_report.float_conv_names == ["model.23.dfl.conv"]


def test_random_init_differs_by_seed_only_through_torch(coco_request):
    """No pretrained weights: two builds under the same seed are identical, and differ from another seed."""
    from yolo_py.trainer import ExperimentTrainer

    coco_request("fp16")
    trainer = ExperimentTrainer()
    torch.manual_seed(0)
    a = trainer.get_model(cfg="yolov10m.yaml", weights=None, verbose=False).state_dict()
    torch.manual_seed(0)
    b = trainer.get_model(cfg="yolov10m.yaml", weights=None, verbose=False).state_dict()
    torch.manual_seed(1)
    c = trainer.get_model(cfg="yolov10m.yaml", weights=None, verbose=False).state_dict()
    key = "model.0.conv.weight"
    assert torch.equal(a[key], b[key]) and not torch.equal(a[key], c[key])
