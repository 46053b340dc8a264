"""Torch-versus-ONNX Runtime agreement on fixed inputs, for end-to-end detection outputs [N, K, 6] and raw head
outputs [N, 4 + nc, anchors].

The rows of an end-to-end output are a top-k by score, so two faithful runtimes may list near-equal scores
in another order, or swap the last rows in and out of the top-k. Elementwise differences then measure the
ordering, not the export. The check therefore matches rows: each detection must have a counterpart of
the same class whose box and score agree within tolerance; a row scoring no higher than the other
output's k-th score (within tolerance) is exempt, as it may legitimately fall out of that top-k.
A raw head has no ordering (one column per anchor, in a fixed order), so it is compared value by value.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

import numpy as np

RANDOM_SEED = 0


@dataclass(frozen=True)
class Tolerance:
    """Allowed |torch - ort| per detection: boxes atol + rtol * |coordinate| pixels, scores absolute."""

    box_atol_px: float
    box_rtol: float
    score_atol: float

    def to_dict(self) -> dict[str, float]:
        return asdict(self)


def fixed_inputs(imgsz: int) -> np.ndarray:
    """Two deterministic images, [2, 3, imgsz, imgsz] float32 in 0..1: seeded uniform noise and a synthetic scene.

    The scene looks like a letterboxed photo (grey 114 bars, a gradient, solid shapes), so the detector sees
    edges and flat regions rather than only noise.
    """
    noise = np.random.default_rng(RANDOM_SEED).random((3, imgsz, imgsz), dtype=np.float32)
    return np.stack([noise, _synthetic_scene(imgsz)]).astype(np.float32)


def _synthetic_scene(imgsz: int) -> np.ndarray:
    y, x = np.mgrid[0:imgsz, 0:imgsz].astype(np.float32) / imgsz
    img = np.stack([40 + 180 * x, 60 + 120 * y, 200 - 150 * x * y])  # smooth colour gradient, RGB
    s = imgsz // 16
    img[:, 3 * s : 7 * s, 2 * s : 6 * s] = np.array([220, 30, 30])[:, None, None]  # red box
    img[:, 9 * s : 14 * s, 8 * s : 11 * s] = np.array([20, 20, 200])[:, None, None]  # blue tall box
    disc = (x - 0.7) ** 2 + (y - 0.3) ** 2 < 0.02
    img[:, disc] = np.array([250, 250, 40])[:, None]  # yellow disc
    bar = imgsz // 10
    img[:, :bar, :] = 114  # letterbox padding
    img[:, -bar:, :] = 114
    return img / 255.0


def compare_detections(reference: np.ndarray, candidate: np.ndarray, tolerance: Tolerance) -> dict:
    """Row-matched agreement of two [N, K, 6] outputs (x1 y1 x2 y2 score class); see the module docstring.

    Every row of each output is matched (both directions) to the other output's same-class row with the
    smallest tolerance-normalised difference. A row without a match within tolerance fails the check,
    unless it scores within score_atol of the other output's last row (then it is only "excused"). The
    sorted score lists must also agree within score_atol. Differences are reported over non-excused rows.
    """
    if reference.shape != candidate.shape or reference.ndim != 3 or reference.shape[-1] != 6:
        raise ValueError(f"expected two [N, K, 6] outputs of one shape, got {reference.shape} and {candidate.shape}")
    reference, candidate = reference.astype(np.float64), candidate.astype(np.float64)
    box_diff, score_diff, sorted_score_diff = 0.0, 0.0, 0.0
    compared = matched = excused = 0
    for ref, got in zip(reference, candidate):
        # Permutation-invariant: the two score lists, each sorted, must agree even where rows swap.
        sorted_score_diff = max(sorted_score_diff, float(np.abs(np.sort(ref[:, 4]) - np.sort(got[:, 4])).max()))
        for rows, pool in ((ref, got), (got, ref)):
            cost, dbox, dscore = _match_cost(rows, pool, tolerance)
            ok = cost <= 1.0
            # A row may be missing from the other top-k only if it scores no higher than that top-k's last row.
            near_cut = ~ok & (rows[:, 4] <= pool[:, 4].min() + tolerance.score_atol)
            counted = ~near_cut
            compared += len(rows)
            matched += int(ok.sum())
            excused += int(near_cut.sum())
            if counted.any():
                box_diff = max(box_diff, float(dbox[counted].max()))
                score_diff = max(score_diff, float(dscore[counted].max()))
    failed = compared - matched - excused
    return {
        "rows_compared": compared,
        "rows_matched": matched,
        "rows_excused_at_topk_cut": excused,
        "rows_failed": failed,
        "max_abs_diff_box_px": box_diff,
        "max_abs_diff_score": score_diff,
        "max_abs_diff_sorted_scores": sorted_score_diff,
        "max_abs_diff_elementwise": float(np.abs(reference - candidate).max()),
        "tolerance": tolerance.to_dict(),
        "within_tolerance": failed == 0 and sorted_score_diff <= tolerance.score_atol,
    }


def _match_cost(rows: np.ndarray, pool: np.ndarray, tol: Tolerance) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """For each row, the pool row of the same class with the smallest tolerance-normalised difference.

    Returns that normalised cost (<= 1 means within tolerance; inf when no row of the class exists) and the
    box / score differences of the match (0 when there is none).
    """
    dbox = np.abs(rows[:, None, :4] - pool[None, :, :4])  # [R, P, 4]
    box_cost = (dbox / (tol.box_atol_px + tol.box_rtol * np.abs(rows[:, None, :4]))).max(-1)
    dscore = np.abs(rows[:, None, 4] - pool[None, :, 4])
    cost = np.maximum(box_cost, dscore / tol.score_atol)
    cost[rows[:, None, 5] != pool[None, :, 5]] = np.inf  # a different class never matches
    pick = np.arange(len(rows))
    best = cost.argmin(1)
    found = np.isfinite(cost[pick, best])
    return cost[pick, best], np.where(found, dbox[pick, best].max(-1), 0.0), np.where(found, dscore[pick, best], 0.0)


def compare_raw_outputs(reference: np.ndarray, candidate: np.ndarray, tolerance: Tolerance) -> dict:
    """Value-by-value agreement of two raw head outputs [N, 4 + nc, anchors]: channels 0-3 (cx cy w h, pixels) within
    box_atol_px + box_rtol * |reference|, the class scores within score_atol, at every anchor."""
    if reference.shape != candidate.shape or reference.ndim != 3 or reference.shape[1] <= 4:
        raise ValueError(f"expected two [N, 4 + nc, anchors] outputs of one shape, got {reference.shape} and {candidate.shape}")
    reference, candidate = reference.astype(np.float64), candidate.astype(np.float64)
    diff = np.abs(reference - candidate)
    box_diff, score_diff = diff[:, :4], diff[:, 4:]
    box_failed = box_diff > tolerance.box_atol_px + tolerance.box_rtol * np.abs(reference[:, :4])
    score_failed = score_diff > tolerance.score_atol
    failed = int(box_failed.sum() + score_failed.sum())
    return {
        "values_compared": int(diff.size),
        "values_failed": failed,
        "max_abs_diff_box_px": float(box_diff.max()),
        "max_abs_diff_score": float(score_diff.max()),
        "max_abs_diff_elementwise": float(diff.max()),
        "tolerance": tolerance.to_dict(),
        "within_tolerance": failed == 0,
    }
