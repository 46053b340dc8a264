"""QatSettings: defaults match the experiment's W4A16 design, and bad input names the offending key."""

import re

import pytest

from yolo_py.quant.settings import DFL_CONV_PATTERN, QatSettings


def test_defaults_are_w4_per_channel_narrow_absmax_with_float_dfl():
    s = QatSettings()
    assert (s.weight_bit_width, s.per_channel, s.narrow_range, s.scaling_stats) == (4, True, True, "absmax")
    assert s.keep_float == (DFL_CONV_PATTERN,)


def test_dict_round_trip_uses_plain_types():
    s = QatSettings(weight_bit_width=3, per_channel=False, keep_float=["model.0.conv", "*.dfl.conv"])
    data = s.to_dict()
    assert data["keep_float"] == ["model.0.conv", "*.dfl.conv"]
    assert QatSettings.from_dict(data) == s


@pytest.mark.parametrize(
    ("kwargs", "key"),
    [
        ({"weight_bit_width": 1}, "weight_bit_width"),
        ({"weight_bit_width": 9}, "weight_bit_width"),
        ({"weight_bit_width": True}, "weight_bit_width"),
        ({"weight_bit_width": 4.0}, "weight_bit_width"),
        ({"per_channel": 1}, "per_channel"),
        ({"narrow_range": "yes"}, "narrow_range"),
        ({"scaling_stats": "mse"}, "scaling_stats"),
        ({"keep_float": "*.dfl.conv"}, "keep_float"),
        ({"keep_float": ["ok", ""]}, "keep_float[1]"),
        ({"keep_float": [3]}, "keep_float[0]"),
    ],
)
def test_invalid_values_name_the_key(kwargs, key):
    with pytest.raises(ValueError, match=re.escape(f"'{key}'")):
        QatSettings(**kwargs)


def test_bit_width_bounds_are_inclusive():
    assert QatSettings(weight_bit_width=2).weight_bit_width == 2
    assert QatSettings(weight_bit_width=8).weight_bit_width == 8


def test_unknown_key_is_rejected_by_name():
    with pytest.raises(ValueError, match="unknown QAT setting 'bit_width'"):
        QatSettings.from_dict({"bit_width": 4})


def test_from_dict_needs_a_mapping():
    with pytest.raises(ValueError, match="mapping"):
        QatSettings.from_dict(["weight_bit_width", 4])  # type: ignore[arg-type]
