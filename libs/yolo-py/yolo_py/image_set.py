"""The letterboxed train images the TypeScript side writes for a stage that runs the model on data: the W8A8
calibration (ptq-w8a8) and the BatchNorm re-estimation before export. libs/core/src/images/calibration/ selects
and letterboxes them as the evaluator feeds the model; this reads them back.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np


def read_image_set(tensor_file: Path, meta_file: Path) -> np.ndarray:
    """The letterboxed images [N, 3, H, W] float32 written by the TypeScript side (raw little-endian).

    Raises ValueError naming the file when its size does not match the shape in the metadata.
    """
    meta = json.loads(Path(meta_file).read_text())
    shape = meta.get("shape")
    if not (isinstance(shape, list) and len(shape) == 4 and all(isinstance(d, int) and d > 0 for d in shape) and shape[1] == 3):
        raise ValueError(f"{meta_file}: 'shape' must be [N, 3, H, W] of positive integers, got {shape!r}")
    data = np.fromfile(tensor_file, dtype="<f4")
    if data.size != int(np.prod(shape)):
        raise ValueError(f"{tensor_file}: holds {data.size} float32 values, {meta_file} says shape {shape}")
    return data.reshape(shape)
