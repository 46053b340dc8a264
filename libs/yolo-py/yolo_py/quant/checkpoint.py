"""Checkpoint format for quantized models: data only, never a pickled module.

Ultralytics checkpoints torch.save the whole model object. A Brevitas model cannot take that path: its
quantizers are dependency-injection classes created at run time (e.g. brevitas.inject.NoneActQuant, and
every `.let(...)` derivative) that pickle cannot look up by name, so torch.save fails before writing.
This format stores what rebuilds the model instead: the model YAML (dict), the QAT settings and a float32
state_dict. With AbsMax *statistics* scaling the quantizers hold no state of their own (scales are
recomputed from the weights each forward), yet the full state_dict is stored and loaded strictly, so any
persistent Brevitas buffer would travel and any mismatch fails loudly. Everything in the file is plain
tensors/containers, so it loads with torch.load(weights_only=True).
"""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import numpy as np
import torch
from torch import nn

from yolo_py.files import write_atomically
from yolo_py.quant.convert import check_quantized_with, quantize_model
from yolo_py.quant.settings import QatSettings

FORMAT = "yolo_py.quant-checkpoint"
# Version notes. 1: model_yaml, qat_settings, state_dict, names, extra. 2: qat_settings may hold `layers`
# (per-layer bit widths); nothing else changed. A version-1 file has no `layers` and loads with the default,
# none, i.e. every quantized conv at weight_bit_width, which is how it was built. A version-1 reader refuses a
# version-2 file by its version instead of misreading its settings.
VERSION = 2
READABLE_VERSIONS = (1, 2)


def save_quant_checkpoint(path: str | Path, model: nn.Module, settings: QatSettings, extra: dict[str, Any]) -> None:
    """Writes the checkpoint atomically (temp file + rename), so a crash never leaves a torn file behind.

    `model` is a DetectionModel quantized with `settings` (checked; a DDP/DataParallel wrapper is unwrapped).
    `extra` holds the caller's training state (epoch, optimizer state_dict, metrics...) and must be plain
    data: containers of None/bool/int/float/str/Tensor (NumPy scalars are converted); anything else is a
    ValueError naming its key path.
    """
    model = _unwrap(model)
    model_yaml = getattr(model, "yaml", None)
    if not isinstance(model_yaml, dict):
        raise ValueError("model has no 'yaml' dict: only models built by Ultralytics from a YAML can be saved")
    check_quantized_with(model, settings)
    payload = {
        "format": FORMAT,
        "version": VERSION,
        "model_yaml": _plain(model_yaml, "model.yaml"),
        "qat_settings": settings.to_dict(),
        "state_dict": {k: _float32_cpu(v) for k, v in model.state_dict().items()},
        "names": _plain(getattr(model, "names", None), "model.names"),
        "extra": _plain(extra, "extra"),
    }
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    write_atomically(path, lambda tmp: torch.save(payload, tmp))


def drop_optimizer_state(path: str | Path) -> None:
    """Rewrites a checkpoint (atomically) without its optimizer state, as a finished run keeps it."""
    payload = torch.load(path, map_location="cpu", weights_only=True)
    payload["extra"]["optimizer"] = None
    write_atomically(path, lambda tmp: torch.save(payload, tmp))


def load_quant_checkpoint(path: str | Path) -> tuple[nn.Module, QatSettings, dict[str, Any]]:
    """Rebuilds the DetectionModel from the stored YAML, quantizes it with the stored settings, loads the state.

    Returns the model in train mode on CPU in float32 (the caller moves it and picks eval/train).
    """
    from ultralytics.nn.tasks import DetectionModel  # deferred: importing ultralytics reads offline env flags

    path = Path(path)
    try:
        payload = torch.load(path, map_location="cpu", weights_only=True)
    except Exception as error:  # unpickling errors have many types; all mean "not our format"
        raise ValueError(f"{path}: not a loadable quantized checkpoint ({type(error).__name__}: {error})") from None
    if not isinstance(payload, dict) or payload.get("format") != FORMAT:
        raise ValueError(f"{path}: not a quantized checkpoint (expected format '{FORMAT}')")
    if payload.get("version") not in READABLE_VERSIONS:
        raise ValueError(
            f"{path}: checkpoint version {payload.get('version')!r} is not supported (expected one of {list(READABLE_VERSIONS)})"
        )
    settings = QatSettings.from_dict(payload["qat_settings"])
    model_yaml = copy.deepcopy(payload["model_yaml"])  # DetectionModel writes into the dict it is given
    model = DetectionModel(model_yaml, ch=model_yaml.get("channels", 3), nc=model_yaml.get("nc"), verbose=False)
    quantize_model(model, settings)
    model.load_state_dict(payload["state_dict"], strict=True)
    if payload.get("names") is not None:
        model.names = payload["names"]
    return model, settings, payload["extra"]


def _unwrap(model: nn.Module) -> nn.Module:
    if isinstance(model, (nn.DataParallel, nn.parallel.DistributedDataParallel)):
        return model.module
    return model


def _float32_cpu(tensor: torch.Tensor) -> torch.Tensor:
    # float32 keeps reloads bit-exact even when the saved copy was .half() (as Ultralytics' EMA copies are).
    tensor = tensor.detach().cpu()
    return tensor.float() if tensor.is_floating_point() else tensor.clone()


def _plain(value: Any, where: str) -> Any:
    """A copy of `value` that torch.load(weights_only=True) can read back, or a ValueError naming `where`.

    NumPy scalars (Ultralytics' metrics are np.float64, a float subclass that weights_only refuses) become
    Python numbers; dict subclasses become dicts; other objects are refused rather than pickled.
    """
    if isinstance(value, np.generic) and value.ndim == 0 and value.dtype.kind in "biuf":
        return value.item()
    if value is None or type(value) in (bool, int, float, str) or isinstance(value, torch.Tensor):
        return value
    if isinstance(value, (list, tuple)):
        items = [_plain(item, f"{where}[{i}]") for i, item in enumerate(value)]
        return items if isinstance(value, list) else tuple(items)
    if isinstance(value, dict):
        plain = {}
        for key, item in value.items():
            if type(key) not in (str, int):
                raise ValueError(f"checkpoint {where} has a key of type {type(key).__name__}; expected str or int")
            plain[key] = _plain(item, f"{where}[{key!r}]")
        return plain
    raise ValueError(
        f"checkpoint {where} is a {type(value).__name__}; expected plain data (None/bool/int/float/str/Tensor "
        "in lists and dicts) so the file loads with weights_only=True"
    )
