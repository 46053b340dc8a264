"""QAT settings: the few knobs of the W4A16 weight-only fake quantization, validated where they enter.

The same settings drive the QAT training's quantizer (so the QAT model's QCDQ and packed INT4 files) and W4A16 PTQ
(the FP16 weights through that quantizer), so the comparison stays fair whatever they say, per-layer widths included.

They travel with every quantized checkpoint (as a plain dict), so a model can be rebuilt exactly
without the run's config files.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field, fields
from typing import Any

from yolo_py.json_schema import load_schema

# Ultralytics names the DFL conv `model.<i>.dfl.conv`; its fixed 0..15 weights decode the box distribution
# and would be destroyed by 4-bit rounding, so it stays float.
DFL_CONV_PATTERN = "*.dfl.conv"

# The bit-width bounds and scaling stats are TypeScript's (libs/core/src/schemas/qat-settings.ts), emitted as this
# contract, which also describes to_dict key for key (tests/test_quant_settings.py).
_CONTRACT = load_schema("qat_settings.schema.json")["properties"]
SCALING_STATS: tuple[str, ...] = tuple(_CONTRACT["scaling_stats"]["enum"])
MIN_BIT_WIDTH: int = _CONTRACT["weight_bit_width"]["minimum"]
MAX_BIT_WIDTH: int = _CONTRACT["weight_bit_width"]["maximum"]


@dataclass(frozen=True)
class LayerBits:
    """One `layers` entry: the convs whose module name matches `pattern` (fnmatch) get `bits`-wide weights."""

    pattern: str
    bits: int


@dataclass(frozen=True)
class QatSettings:
    """Weight-only integer fake quantization of every Conv2d; activations, outputs and biases stay float.

    weight_bit_width: signed integer width of the weights (2..8).
    per_channel: one scale per output channel (True) or one per tensor.
    narrow_range: symmetric integer range, e.g. -7..7 for 4 bits, so zero stays exact and ranges are symmetric.
    scaling_stats: how the scale is derived from the float weight at every step ('absmax': max |w| / qmax).
    keep_float: fnmatch patterns over module names (as in model.named_modules()) of convs left float.
    layers: per-layer bit widths, entries {pattern, bits} (bits 2..8) overriding weight_bit_width; the first entry
        whose pattern matches a conv's name wins, and keep_float wins over every entry (quant/plan.py applies them).
    """

    weight_bit_width: int = 4
    per_channel: bool = True
    narrow_range: bool = True
    scaling_stats: str = "absmax"
    keep_float: tuple[str, ...] = field(default=(DFL_CONV_PATTERN,))
    layers: tuple[LayerBits, ...] = ()

    def __post_init__(self) -> None:
        _expect_bit_width("weight_bit_width", self.weight_bit_width)
        _expect_type("per_channel", self.per_channel, bool)
        _expect_type("narrow_range", self.narrow_range, bool)
        _expect_type("scaling_stats", self.scaling_stats, str)
        if self.scaling_stats not in SCALING_STATS:
            raise ValueError(
                f"QAT setting 'scaling_stats' must be one of {list(SCALING_STATS)}, got {self.scaling_stats!r}"
            )
        if isinstance(self.keep_float, str) or not isinstance(self.keep_float, (list, tuple)):
            raise ValueError(
                f"QAT setting 'keep_float' must be a list of module-name patterns, got {type(self.keep_float).__name__}"
            )
        for i, pattern in enumerate(self.keep_float):
            if not isinstance(pattern, str) or not pattern.strip():
                raise ValueError(f"QAT setting 'keep_float[{i}]' must be a non-empty string, got {pattern!r}")
        # Frozen dataclass: normalise lists to tuples so settings stay hashable and immutable.
        object.__setattr__(self, "keep_float", tuple(self.keep_float))
        object.__setattr__(self, "layers", _layer_bits(self.layers))

    def to_dict(self) -> dict[str, Any]:
        """Plain types only, so the dict loads under torch.load(weights_only=True) and serialises to JSON."""
        data = asdict(self)
        data["keep_float"] = list(self.keep_float)
        data["layers"] = [asdict(entry) for entry in self.layers]
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> QatSettings:
        """Builds settings from config or checkpoint data; unknown keys are errors, missing keys take defaults."""
        if not isinstance(data, dict):
            raise ValueError(f"QAT settings must be a mapping, got {type(data).__name__}")
        known = {f.name for f in fields(cls)}
        unknown = sorted(set(data) - known)
        if unknown:
            raise ValueError(f"unknown QAT setting '{unknown[0]}' (expected one of {sorted(known)})")
        return cls(**data)


def _layer_bits(entries: object) -> tuple[LayerBits, ...]:
    """`layers` as LayerBits, from config/checkpoint data (a list of {pattern, bits} mappings) or LayerBits."""
    if isinstance(entries, str) or not isinstance(entries, (list, tuple)):
        raise ValueError(f"QAT setting 'layers' must be a list of {{pattern, bits}} entries, got {type(entries).__name__}")
    out = []
    for i, entry in enumerate(entries):
        key = f"layers[{i}]"
        if isinstance(entry, LayerBits):
            entry = asdict(entry)
        if not isinstance(entry, dict):
            raise ValueError(f"QAT setting '{key}' must be a mapping with keys pattern and bits, got {type(entry).__name__}")
        unknown = sorted(set(entry) - {"pattern", "bits"})
        if unknown:
            raise ValueError(f"unknown QAT setting '{key}.{unknown[0]}' (expected pattern and bits)")
        pattern, bits = entry.get("pattern"), entry.get("bits")
        if not isinstance(pattern, str) or not pattern.strip():
            raise ValueError(f"QAT setting '{key}.pattern' must be a non-empty string, got {pattern!r}")
        _expect_bit_width(f"{key}.bits", bits)
        out.append(LayerBits(pattern, bits))
    return tuple(out)


def _expect_bit_width(key: str, value: object) -> None:
    _expect_type(key, value, int)
    if not MIN_BIT_WIDTH <= value <= MAX_BIT_WIDTH:  # type: ignore[operator]
        raise ValueError(f"QAT setting '{key}' must be between {MIN_BIT_WIDTH} and {MAX_BIT_WIDTH}, got {value}")


def _expect_type(key: str, value: object, expected: type) -> None:
    # bool is an int subclass: a YAML `true` must not pass as a bit width.
    if not isinstance(value, expected) or (expected is int and isinstance(value, bool)):
        raise ValueError(f"QAT setting '{key}' must be {expected.__name__}, got {type(value).__name__} {value!r}")
