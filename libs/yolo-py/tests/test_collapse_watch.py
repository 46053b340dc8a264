"""The collapse watch on the curve that motivated it, on healthy curves, and across a resume."""

from __future__ import annotations

import pytest

from yolo_py.collapse_watch import CollapseWatch, CollapseWatchSettings

DEFAULTS = CollapseWatchSettings(drop_fraction=0.3, epochs=3, min_best=0.05)  # conf/watch.yaml


def earlier_attempt() -> list[float]:
    """The shape reported for the earlier attempt: a rise to 0.226 at epoch 29, then a fall to 0.012 by epoch 76
    (straight lines between those points; only the three figures are known)."""
    rise = [0.226 * e / 29 for e in range(1, 30)]
    fall = [0.226 + (0.012 - 0.226) * (e - 29) / (76 - 29) for e in range(30, 77)]
    return rise + fall


def warnings_of(curve: list[float], settings: CollapseWatchSettings = DEFAULTS) -> list[tuple[int, str]]:
    watch = CollapseWatch(settings)
    return [(epoch, w) for epoch, value in enumerate(curve, start=1) if (w := watch.observe(epoch, value))]


def test_the_earlier_attempt_would_have_been_flagged_within_a_few_epochs_of_its_fall():
    ((epoch, message),) = warnings_of(earlier_attempt())
    # 0.7 * 0.226 = 0.158 is crossed at epoch 44; three epochs below it: epoch 46, thirty epochs before 76.
    assert epoch == 46
    assert "best 0.2260 (epoch 29)" in message and "best.pt keeps epoch 29" in message


def test_a_healthy_noisy_curve_and_an_early_noise_sized_curve_do_not_warn():
    healthy = [min(0.5, 0.02 * e) * (0.9 if e % 4 == 0 else 1.0) for e in range(1, 60)]  # 10% dips, never 3 in a row
    assert warnings_of(healthy) == []
    early = [0.001, 0.04, 0.002, 0.001, 0.0005, 0.0004]  # a 99% fall, but the best never reached 0.05
    assert warnings_of(early) == []


def test_one_warning_per_fall_and_another_after_a_recovery():
    curve = [0.3, 0.1, 0.1, 0.1, 0.1, 0.1, 0.3, 0.1, 0.1, 0.1]
    assert [epoch for epoch, _ in warnings_of(curve)] == [4, 10]


def test_a_streak_that_spans_a_resume_is_counted_from_results_csv():
    curve = [0.3, 0.1, 0.1, 0.1]
    resumed = CollapseWatch(DEFAULTS)
    for epoch, value in enumerate(curve[:3], start=1):  # what results.csv held when the run resumed
        assert resumed.observe(epoch, value) is None
    assert resumed.observe(4, curve[3]) is not None


def test_a_nan_is_left_to_nan_recovery():
    assert warnings_of([0.3, float("nan"), float("nan"), float("nan")]) == []


@pytest.mark.parametrize(
    ("field", "settings", "message"),
    [
        ("drop_fraction", dict(drop_fraction=1.0, epochs=3, min_best=0.0), "between 0 and 1"),
        ("epochs", dict(drop_fraction=0.3, epochs=0, min_best=0.0), "at least 1"),
        ("min_best", dict(drop_fraction=0.3, epochs=3, min_best=1.0), r"in \[0, 1\)"),
    ],
)
def test_bad_settings_are_refused_by_name(field, settings, message):
    with pytest.raises(ValueError, match=f"'{field}'.*{message}"):
        CollapseWatchSettings(**settings)
