"""Which convs a model quantizes, and at which bit width: QatSettings applied to the model's conv names.

The matching rule, in one place (quantize_model builds from it, check_quantized_with checks a reloaded model
against it):
- a conv matching a keep_float pattern stays float, whatever `layers` says;
- otherwise the first `layers` entry whose pattern matches its name sets its bit width;
- otherwise it gets weight_bit_width.
Every pattern must decide something, so a typo fails instead of silently leaving the layer at the default: a
keep_float pattern must match a conv, and a `layers` entry must set the width of at least one conv (not only
convs kept float or already set by an earlier entry).
"""

from __future__ import annotations

from fnmatch import fnmatchcase

from yolo_py.quant.settings import QatSettings


def layer_bit_widths(conv_names: list[str], settings: QatSettings) -> dict[str, int | None]:
    """Each conv's weight bit width (None: kept float), in the order given; ValueError names a pattern deciding nothing."""
    unmatched = [p for p in settings.keep_float if not any(fnmatchcase(name, p) for name in conv_names)]
    if unmatched:
        raise ValueError(f"QAT setting 'keep_float' pattern {unmatched[0]!r} matches no Conv2d of the model")
    widths: dict[str, int | None] = {}
    decided = [0] * len(settings.layers)  # convs each entry sets
    for name in conv_names:
        if any(fnmatchcase(name, p) for p in settings.keep_float):
            widths[name] = None
            continue
        entry = next((i for i, e in enumerate(settings.layers) if fnmatchcase(name, e.pattern)), None)
        if entry is None:
            widths[name] = settings.weight_bit_width
        else:
            widths[name] = settings.layers[entry].bits
            decided[entry] += 1
    for i, entry in enumerate(settings.layers):
        if decided[i]:
            continue
        matched = [name for name in conv_names if fnmatchcase(name, entry.pattern)]
        why = (
            "matches no Conv2d of the model" if not matched
            else "matches only convs kept float (keep_float wins)" if all(widths[n] is None for n in matched)
            else "matches only convs that keep_float or an earlier entry already decides (the first matching entry wins)"
        )
        raise ValueError(f"QAT setting 'layers[{i}].pattern' {entry.pattern!r} {why}")
    return widths
