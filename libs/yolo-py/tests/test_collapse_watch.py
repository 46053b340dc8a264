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


def test_the_healthy_qat_curve_measured_on_the_lent_h100_does_not_warn():
    """The gpu profile's QAT run (yolov10m, 640 px, 30 epochs; tools/bench/gpu/results/h100-long-runs/call2): once its
    best passes 0.05 (epoch 9), its largest fall below the best is 4% (epoch 15), far from the 30% that warns; before
    that, noise-sized mAPs fall by 22% (0.0024 to 0.0019), which is why the watch waits for a best of 0.05."""
    import csv
    from pathlib import Path

    results = Path(__file__).resolve().parents[3] / "tools/bench/gpu/results/h100-long-runs/call2/results-qat-gpu-profile.csv"
    rows = [{k.strip(): v for k, v in row.items()} for row in csv.DictReader(results.open())]
    curve = [float(row["metrics/mAP50-95(B)"]) for row in rows]
    assert len(curve) == 30 and max(curve) > 0.5
    assert warnings_of(curve) == []
    best_so_far = [max(curve[: i + 1]) for i in range(len(curve))]
    falls = [1 - v / b for v, b in zip(curve, best_so_far) if b >= DEFAULTS.min_best]
    assert 0.03 < max(falls) < 0.05
    assert max(1 - v / b for v, b in zip(curve, best_so_far) if 0 < b < DEFAULTS.min_best) > 0.2
