"""quant/plan.py: the rule that gives each conv its bit width (keep_float, then the first matching `layers` entry,
then weight_bit_width), the errors for an entry that decides nothing, and the documented "first conv and detection
head at 8 bits" entry on real YOLOv10 module names."""

import os

os.environ.setdefault("YOLO_OFFLINE", "true")
os.environ.setdefault("YOLO_AUTOINSTALL", "false")

import re
from pathlib import Path

import pytest
import yaml
from torch import nn
from ultralytics.nn.tasks import DetectionModel

from yolo_py.quant.plan import layer_bit_widths
from yolo_py.quant.settings import QatSettings

NAMES = ["model.0.conv", "model.1.conv", "model.2.cv1.conv", "model.23.cv2.0.2", "model.23.dfl.conv"]
QAT_YAML = Path(__file__).resolve().parents[3] / "conf" / "qat.yaml"


def settings(*layers: tuple[str, int], keep_float=("*.dfl.conv",), bits: int = 4) -> QatSettings:
    return QatSettings(weight_bit_width=bits, keep_float=keep_float, layers=[{"pattern": p, "bits": b} for p, b in layers])


def test_no_layers_keeps_every_conv_at_the_default_width_and_dfl_float():
    assert layer_bit_widths(NAMES, settings()) == {n: 4 for n in NAMES[:-1]} | {"model.23.dfl.conv": None}


def test_the_first_matching_entry_wins_and_keep_float_wins_over_all():
    widths = layer_bit_widths(NAMES, settings(("model.0.conv", 8), ("model.*", 3)))
    assert widths == {
        "model.0.conv": 8,  # the first entry
        "model.1.conv": 3,  # the second: the first does not match
        "model.2.cv1.conv": 3,
        "model.23.cv2.0.2": 3,
        "model.23.dfl.conv": None,  # keep_float, though "model.*" matches it
    }


@pytest.mark.parametrize(
    ("entries", "key", "why"),
    [
        ((("model.99.conv", 8),), "layers[0].pattern", "matches no Conv2d"),
        ((("model.0.conv", 8), ("*.dfl.conv", 8)), "layers[1].pattern", "only convs kept float"),
        ((("model.*", 8), ("model.0.conv", 2)), "layers[1].pattern", "an earlier entry already decides"),
    ],
)
def test_an_entry_that_sets_no_conv_is_refused_by_its_key(entries, key, why):
    with pytest.raises(ValueError, match=rf"QAT setting '{re.escape(key)}' .*{why}"):
        layer_bit_widths(NAMES, settings(*entries))


def test_an_unmatched_keep_float_pattern_is_still_refused():
    with pytest.raises(ValueError, match="'keep_float' pattern 'model.99.conv' matches no Conv2d"):
        layer_bit_widths(NAMES, settings(keep_float=("*.dfl.conv", "model.99.conv")))


def documented_entry() -> list[dict]:
    """The commented "first conv and detection head at 8 bits" example in conf/qat.yaml, parsed."""
    lines = QAT_YAML.read_text().splitlines()
    start = lines.index("#   layers:")
    block = [line[1:] for line in lines[start:] if line.startswith("#   ")]
    return yaml.safe_load("\n".join(block))["layers"]


@pytest.mark.parametrize("model_yaml", ["yolov10n.yaml", "yolov10m.yaml"])
def test_the_documented_first_conv_and_head_entry_sets_exactly_those_convs(model_yaml):
    model = DetectionModel(model_yaml, nc=80, verbose=False)
    names = [n for n, m in model.named_modules() if isinstance(m, nn.Conv2d)]
    layers = documented_entry()
    assert layers == [{"pattern": "model.0.conv", "bits": 8}, {"pattern": "model.23.*", "bits": 8}]
    widths = layer_bit_widths(names, QatSettings(layers=layers))
    head = [n for n in names if n.startswith("model.23.")]
    assert type(model.model[23]).__name__ == "v10Detect" and len(head) == 49  # cv2, cv3, one2one_cv2/cv3, dfl
    eight = sorted(n for n, w in widths.items() if w == 8)
    assert eight == sorted(["model.0.conv", *[n for n in head if n != "model.23.dfl.conv"]])
    assert widths["model.23.dfl.conv"] is None
    assert {w for n, w in widths.items() if n not in eight and n != "model.23.dfl.conv"} == {4}
