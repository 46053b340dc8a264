"""The batch's boxes as a fixed-size table per image, built on the CPU before the host-to-device copy.

Ultralytics pads the targets on the device to the batch's own largest per-image count (a `unique`, a `max` read back
by the host, then a tensor of that size). Here the width is one of a few fixed buckets instead, so a captured loss
sees the same shapes every step, and the counting happens on the CPU tensors the loader already holds.
"""

from __future__ import annotations

from collections.abc import Sequence

import torch

# Table widths (boxes per image) a captured loss is built for, smallest first. Powers of two: the assigner's work
# and memory grow with the width (it compares every box with every anchor), so a batch never pays more than twice
# what it needs, and five widths cover COCO under mosaic (four images' boxes in one, rarely past ~150; COCO's
# densest image has about 90) with room for denser data. Below 32 the anchor-by-class work, which does not depend
# on the width, dominates, so smaller widths would save little and cost one more capture.
BOX_BUCKETS: tuple[int, ...] = (32, 64, 128, 256, 512)


def most_boxes_per_image(batch_idx: torch.Tensor, batch_size: int) -> int:
    """The largest number of boxes any image of the batch holds (0 for a batch without boxes)."""
    image = _image_index(batch_idx, batch_size)
    return int(torch.bincount(image, minlength=batch_size).max()) if image.numel() else 0


def box_bucket(batch_idx: torch.Tensor, batch_size: int, buckets: Sequence[int] = BOX_BUCKETS) -> int | None:
    """The smallest bucket that holds every image's boxes, or None when none does (the caller then runs
    Ultralytics' eager loss for this batch)."""
    most = most_boxes_per_image(batch_idx, batch_size)
    return next((width for width in sorted(buckets) if width >= most), None)


def pad_targets(
    batch_idx: torch.Tensor, cls: torch.Tensor, bboxes: torch.Tensor, batch_size: int, max_boxes: int
) -> tuple[torch.Tensor, torch.Tensor]:
    """Ultralytics' flat batch labels as `targets` [B, max_boxes, 5] float32 (class, x, y, w, h: normalized centre
    and size, as the batch holds them) and `mask` [B, max_boxes, 1] bool (True for a real box).

    Each image's boxes keep their order in the batch and fill its first rows; the remaining rows are zero and
    masked. Meant for the loader's CPU tensors (on a GPU the counting would wait for the device). Raises ValueError
    when an image holds more than `max_boxes` boxes or an index is outside the batch.
    """
    image = _image_index(batch_idx, batch_size)
    targets = torch.zeros(batch_size, max_boxes, 5, dtype=torch.float32, device=image.device)
    mask = torch.zeros(batch_size, max_boxes, 1, dtype=torch.bool, device=image.device)
    if image.numel() == 0:
        return targets, mask
    counts = torch.bincount(image, minlength=batch_size)
    most = int(counts.max())
    if most > max_boxes:
        raise ValueError(f"an image holds {most} boxes, more than the padded width {max_boxes}")
    # Rank of each box within its image: a stable sort keeps the batch's order, and the rank is the distance from
    # the image's first box in that order (Ultralytics' collate already sorts by image; this does not rely on it).
    order = torch.argsort(image, stable=True)
    image = image[order]
    first = torch.cumsum(counts, 0) - counts
    slot = torch.arange(image.numel(), device=image.device) - first[image]
    rows = torch.cat((cls.reshape(-1, 1), bboxes.reshape(-1, 4)), 1)[order]
    targets[image, slot] = rows.to(torch.float32)
    mask[image, slot] = True
    return targets, mask


def _image_index(batch_idx: torch.Tensor, batch_size: int) -> torch.Tensor:
    image = batch_idx.reshape(-1).long()
    if image.numel() and (int(image.min()) < 0 or int(image.max()) >= batch_size):
        raise ValueError(f"batch_idx holds image indices outside 0..{batch_size - 1}")
    return image
