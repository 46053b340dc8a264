"""compare_detections matches detections, not row positions, and still catches real disagreements."""

import numpy as np
import pytest

from yolo_py.export.compare import Tolerance, compare_detections, fixed_inputs

TOL = Tolerance(box_atol_px=0.05, box_rtol=1e-4, score_atol=1e-3)


def detections(k: int = 50, seed: int = 0) -> np.ndarray:
    """[1, k, 6] rows sorted by descending, well-separated scores, as a top-k head emits them."""
    rng = np.random.default_rng(seed)
    xy = rng.uniform(0, 300, (k, 2))
    boxes = np.concatenate([xy, xy + rng.uniform(5, 100, (k, 2))], axis=1)
    scores = np.linspace(0.95, 0.2, k)
    classes = rng.integers(0, 80, k).astype(float)
    return np.concatenate([boxes, scores[:, None], classes[:, None]], axis=1)[None].astype(np.float32)


def test_identical_outputs_match_every_row():
    d = detections()
    result = compare_detections(d, d.copy(), TOL)
    assert result["rows_compared"] == result["rows_matched"] == 100
    assert result["within_tolerance"] and result["max_abs_diff_box_px"] == 0.0


def test_reordered_rows_and_tiny_noise_pass():
    d = detections()
    other = d.copy()
    other[0, [3, 4]] = other[0, [4, 3]]  # two near-tied rows swapped by another runtime
    other[0, :, :4] += 0.01
    result = compare_detections(d, other, TOL)
    assert result["within_tolerance"] and result["rows_failed"] == 0
    assert result["max_abs_diff_elementwise"] > 1.0  # what a positional diff would have flagged
    assert result["max_abs_diff_box_px"] == pytest.approx(0.01, abs=1e-4)


@pytest.mark.parametrize(
    ("column", "delta"),
    [(0, 0.5), (3, -0.2), (4, 0.01), (5, 1.0)],  # box corner, score, class
)
def test_a_moved_detection_fails(column, delta):
    d = detections()
    other = d.copy()
    other[0, 10, column] += delta
    result = compare_detections(d, other, TOL)
    assert not result["within_tolerance"]
    assert result["rows_failed"] >= 1


def test_rows_at_the_topk_cut_may_differ():
    d = detections()
    other = d.copy()
    other[0, -1, :4] += 40.0  # the last-ranked detection swapped for another one of equal score
    result = compare_detections(d, other, TOL)
    assert result["within_tolerance"] and result["rows_excused_at_topk_cut"] == 2


def test_a_saturated_output_cannot_hide_behind_the_cut():
    """Every score pushed to 1.0 (an export that blows activations up) must fail, not be excused."""
    d = detections()
    other = d.copy()
    other[0, :, 4] = 1.0
    result = compare_detections(d, other, TOL)
    assert not result["within_tolerance"]
    assert result["rows_failed"] >= 50 and result["max_abs_diff_sorted_scores"] > 0.5


def test_shapes_must_agree():
    with pytest.raises(ValueError, match=r"\[N, K, 6\]"):
        compare_detections(detections(), detections()[:, :10], TOL)


def test_fixed_inputs_are_deterministic_images():
    a, b = fixed_inputs(64), fixed_inputs(64)
    assert a.shape == (2, 3, 64, 64) and a.dtype == np.float32
    assert np.array_equal(a, b)
    assert 0.0 <= a.min() and a.max() <= 1.0
    assert np.allclose(a[1, :, 0, 0], 114 / 255)  # letterbox padding row of the synthetic scene
    assert not np.allclose(a[0], a[1])
