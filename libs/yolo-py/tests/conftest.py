"""Shared fixtures: a tiny YOLO-format detection dataset drawn with PIL, and offline Ultralytics."""

from __future__ import annotations

import os
import random
from pathlib import Path

import pytest


@pytest.fixture(scope="session")
def yolo_config_dir(tmp_path_factory) -> Path:
    from yolo_py import offline

    config_dir = tmp_path_factory.mktemp("yolo-config")
    offline.configure(config_dir)
    return config_dir


@pytest.fixture(scope="session")
def tiny_dataset(tmp_path_factory, yolo_config_dir) -> Path:
    """8 train / 4 val 96x96 images of filled rectangles, two classes; returns the data.yaml path."""
    from PIL import Image, ImageDraw

    root = tmp_path_factory.mktemp("tiny-dataset")
    rng = random.Random(0)
    for split, count in (("train", 8), ("val", 4)):
        (root / "images" / split).mkdir(parents=True)
        (root / "labels" / split).mkdir(parents=True)
        for i in range(count):
            image = Image.new("RGB", (96, 96), (rng.randrange(256), rng.randrange(256), rng.randrange(256)))
            draw = ImageDraw.Draw(image)
            rows = []
            for _ in range(rng.randint(1, 3)):
                w, h = rng.randint(16, 48), rng.randint(16, 48)
                x, y = rng.randint(0, 96 - w), rng.randint(0, 96 - h)
                cls = rng.randint(0, 1)
                draw.rectangle([x, y, x + w - 1, y + h - 1], fill=(255, 0, 0) if cls == 0 else (0, 0, 255))
                rows.append(f"{cls} {(x + w / 2) / 96:.6f} {(y + h / 2) / 96:.6f} {w / 96:.6f} {h / 96:.6f}")
            image.save(root / "images" / split / f"{i:03d}.jpg", quality=95)
            (root / "labels" / split / f"{i:03d}.txt").write_text("\n".join(rows) + "\n")
    names = "\n".join(f"  {i}: {n}" for i, n in enumerate(["red", "blue"] + [f"class{i}" for i in range(2, 80)]))
    data_yaml = root / "data.yaml"
    data_yaml.write_text(f"path: {root}\ntrain: images/train\nval: images/val\nnames:\n{names}\n")
    return data_yaml


@pytest.fixture(autouse=True)
def _offline_env(monkeypatch, yolo_config_dir):
    monkeypatch.setenv("YOLO_OFFLINE", "true")
    monkeypatch.setenv("YOLO_AUTOINSTALL", "false")
    monkeypatch.setenv("YOLO_CONFIG_DIR", str(yolo_config_dir))
    os.environ.setdefault("OMP_NUM_THREADS", "2")
