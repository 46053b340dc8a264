"""The 4-bit collapse watch: a warning when validation mAP50-95 stays far below its best for several epochs.

Why: an earlier attempt at this very experiment (Ultralytics + Brevitas W4A16 from scratch on COCO) peaked at
mAP50-95 0.226 at epoch 29 and had fallen to 0.012 by epoch 76; nothing said so until a person read the curves,
47 epochs of GPU time later. A healthy run's validation mAP wobbles by a few percent between epochs; a sustained
fall of a large fraction below the best is a run going wrong (4-bit weight oscillation, BN statistics drifting
from the quantized weights), and the person paying for the GPU should hear it the epoch it becomes clear.

Pure: fed one (epoch, mAP50-95) at a time, including the rows of results.csv a resumed run already has, so a
streak that spans a resume is still counted.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class CollapseWatchSettings:
    drop_fraction: float  # warn when mAP50-95 < best * (1 - drop_fraction) ...
    epochs: int  # ... for this many epochs in a row
    min_best: float  # and only once the best is at least this: early mAPs are noise-sized

    def __post_init__(self) -> None:
        if not 0.0 < self.drop_fraction < 1.0:
            raise ValueError(f"collapse_watch 'drop_fraction' must be between 0 and 1, got {self.drop_fraction}")
        if self.epochs < 1:
            raise ValueError(f"collapse_watch 'epochs' must be at least 1, got {self.epochs}")
        if not 0.0 <= self.min_best < 1.0:
            raise ValueError(f"collapse_watch 'min_best' must be in [0, 1), got {self.min_best}")


class CollapseWatch:
    def __init__(self, settings: CollapseWatchSettings) -> None:
        self.settings = settings
        self.best = float("-inf")
        self.best_epoch = 0
        self.streak = 0  # epochs in a row below the line
        self.warned = False  # one warning per fall; a recovery above the line re-arms it

    def observe(self, epoch: int, map50_95: float) -> str | None:
        """Takes one epoch's validation mAP50-95 (epoch 1-based); returns the warning when this epoch makes one."""
        if map50_95 > self.best:
            self.best, self.best_epoch = map50_95, epoch
        s = self.settings
        line = self.best * (1.0 - s.drop_fraction)
        if self.best < s.min_best or not map50_95 < line:  # NaN is no fall: NaN recovery handles it
            self.streak, self.warned = 0, False
            return None
        self.streak += 1
        if self.streak < s.epochs or self.warned:
            return None
        self.warned = True
        return (
            f"possible collapse: validation mAP50-95 {map50_95:.4f} at epoch {epoch} has stayed more than "
            f"{s.drop_fraction:.0%} below its best {self.best:.4f} (epoch {self.best_epoch}) for {self.streak} epochs. "
            "4-bit training can collapse (weight oscillation, BN statistics): read the curves before spending more "
            f"GPU time; best.pt keeps epoch {self.best_epoch}"
        )
