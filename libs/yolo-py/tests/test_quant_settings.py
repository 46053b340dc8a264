"""QatSettings: defaults match the experiment's W4A16 design, and bad input names the offending key."""

import re
from dataclasses import fields

import pytest

from yolo_py.json_schema import check, load_schema
from yolo_py.quant.settings import DFL_CONV_PATTERN, MAX_BIT_WIDTH, MIN_BIT_WIDTH, LayerBits, QatSettings


def test_defaults_are_w4_per_channel_narrow_absmax_with_float_dfl():
    s = QatSettings()
    assert (s.weight_bit_width, s.per_channel, s.narrow_range, s.scaling_stats) == (4, True, True, "absmax")
    assert s.keep_float == (DFL_CONV_PATTERN,)
    assert s.layers == () and s.to_dict()["layers"] == []  # every quantized conv at weight_bit_width


def test_dict_round_trip_uses_plain_types():
    s = QatSettings(weight_bit_width=3, per_channel=False, keep_float=["model.0.conv", "*.dfl.conv"])
    data = s.to_dict()
    assert data["keep_float"] == ["model.0.conv", "*.dfl.conv"]
    assert QatSettings.from_dict(data) == s


def test_layers_are_plain_data_in_and_out_and_keep_their_order():
    layers = [{"pattern": "model.0.conv", "bits": 8}, {"pattern": "model.23.*", "bits": 8}, {"pattern": "*", "bits": 2}]
    s = QatSettings.from_dict({"layers": layers})
    assert s.layers == (LayerBits("model.0.conv", 8), LayerBits("model.23.*", 8), LayerBits("*", 2))
    assert s.to_dict()["layers"] == layers
    assert QatSettings.from_dict(s.to_dict()) == s
    assert hash(s) == hash(QatSettings(layers=[LayerBits("model.0.conv", 8), *s.layers[1:]]))


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
        ({"layers": "model.0.conv"}, "layers"),
        ({"layers": {"pattern": "model.0.conv", "bits": 8}}, "layers"),
        ({"layers": [["model.0.conv", 8]]}, "layers[0]"),
        ({"layers": [{"pattern": "model.0.conv", "bits": 8}, {"pattern": "model.23.*", "bits": 9}]}, "layers[1].bits"),
        ({"layers": [{"pattern": "a", "bits": 1}]}, "layers[0].bits"),
        ({"layers": [{"pattern": "a", "bits": True}]}, "layers[0].bits"),
        ({"layers": [{"pattern": "a", "bits": 8.0}]}, "layers[0].bits"),
        ({"layers": [{"pattern": "a"}]}, "layers[0].bits"),
        ({"layers": [{"pattern": "a", "bits": 8}, {"pattern": "", "bits": 8}]}, "layers[1].pattern"),
        ({"layers": [{"pattern": 3, "bits": 8}]}, "layers[0].pattern"),
        ({"layers": [{"pattern": "a", "bits": 8, "width": 8}]}, "layers[0].width"),
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


def test_to_dict_is_the_request_schema_key_for_key():
    """to_dict (what a checkpoint and ptq-w4a16.json carry) conforms to the TypeScript schema of the settings a request
    hands yolo_py (contracts/qat_settings.schema.json), which names every field and requires all but the defaulted."""
    schema = load_schema("qat_settings.schema.json")
    assert list(schema["properties"]) == [f.name for f in fields(QatSettings)]
    for settings in (QatSettings(), QatSettings(weight_bit_width=MIN_BIT_WIDTH, keep_float=[]), QatSettings(weight_bit_width=MAX_BIT_WIDTH)):
        check(settings.to_dict(), "qat_settings.schema.json", "to_dict")
    # A request's settings (no scaling_stats: TypeScript leaves it to the default) build the same settings.
    request = {key: value for key, value in QatSettings().to_dict().items() if key in schema["required"]}
    assert QatSettings.from_dict(check(request, "qat_settings.schema.json", "request")) == QatSettings()
    for bad in (MIN_BIT_WIDTH - 1, MAX_BIT_WIDTH + 1):
        with pytest.raises(ValueError, match="weight_bit_width"):
            check({**request, "weight_bit_width": bad}, "qat_settings.schema.json", "request")
