"""A COCO2017-layout folder at COCO's real scale, built from a small COCO-format source (the synthetic shapes the
dataset stage generates), for rehearsing the coco profile (issue 26, item 6): train2017/ and val2017/ with COCO's
image counts, annotations/instances_{train,val}2017.json with COCO's annotation counts.

    python3 tools/bench/gpu/stages/make_coco_scale.py <source-coco-root> <out-root> [--scale 1.0]

- Each source image is resized once so its long side is 640 px (COCO's), written as JPEG quality 90; the target
  images are hard links to those (118,287 names cost no disk).
- Image k carries the annotations of its source image and, to reach COCO's mean of about 7.3 per image, those of
  the next source images placed at the same relative positions (boxes that no longer match the pixels: the
  rehearsal measures cost, not accuracy). Segmentation polygons are kept, so the instances file is read as COCO's is.
- --scale shrinks every count (a CPU smoke run of this script).
Counts of COCO2017 (instances_{train,val}2017.json): 118,287 and 5,000 images; 860,001 and 36,781 annotations.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import time
from pathlib import Path

import cv2

COCO_COUNTS = {"train2017": (118_287, 860_001), "val2017": (5_000, 36_781)}
LONG_SIDE = 640


def load(root: Path, split: str) -> tuple[list[dict], dict[int, list[dict]], list[dict]]:
    data = json.loads((root / "annotations" / f"instances_{split}.json").read_text())
    by_image: dict[int, list[dict]] = {}
    for ann in data["annotations"]:
        by_image.setdefault(ann["image_id"], []).append(ann)
    return data["images"], by_image, data["categories"]


def resized_pool(root: Path, out: Path, split: str, images: list[dict]) -> list[dict]:
    """Each source image at COCO's size; returns its file, size and scale."""
    pool = out / "pool" / split
    pool.mkdir(parents=True, exist_ok=True)
    entries = []
    for image in images:
        pixels = cv2.imread(str(root / split / image["file_name"]))
        scale = LONG_SIDE / max(pixels.shape[:2])
        resized = cv2.resize(pixels, (round(pixels.shape[1] * scale), round(pixels.shape[0] * scale)), interpolation=cv2.INTER_LINEAR)
        path = pool / image["file_name"]
        cv2.imwrite(str(path), resized, [cv2.IMWRITE_JPEG_QUALITY, 90])
        entries.append({"path": path, "id": image["id"], "width": resized.shape[1], "height": resized.shape[0],
                        "source_width": image["width"], "source_height": image["height"]})
    return entries


def placed(ann: dict, source: dict, target: dict) -> dict:
    """The annotation of `source` at the same relative position in an image of `target`'s size."""
    sx, sy = target["width"] / source["source_width"], target["height"] / source["source_height"]
    x, y, w, h = ann["bbox"]
    polygons = [[round(v * (sx if i % 2 == 0 else sy), 2) for i, v in enumerate(poly)] for poly in ann.get("segmentation") or []]
    return {"category_id": ann["category_id"], "bbox": [round(x * sx, 2), round(y * sy, 2), round(w * sx, 2), round(h * sy, 2)],
            "area": round(ann.get("area", w * h) * sx * sy, 2), "iscrowd": 0, "segmentation": polygons}


def build_split(root: Path, out: Path, split: str, scale: float) -> dict:
    images, by_image, categories = load(root, split)
    pool = resized_pool(root, out, split, images)
    n_images, n_annotations = (max(1, round(c * scale)) for c in COCO_COUNTS[split])
    (out / split).mkdir(parents=True, exist_ok=True)
    out_images, out_annotations = [], []
    for k in range(n_images):
        target = pool[k % len(pool)]
        image_id, name = k + 1, f"{k + 1:012d}.jpg"
        os.link(target["path"], out / split / name)
        out_images.append({"id": image_id, "file_name": name, "width": target["width"], "height": target["height"]})
        quota = n_annotations // n_images + (1 if k < n_annotations % n_images else 0)
        step = 0
        while quota > 0 and step < len(pool):
            source = pool[(k + step) % len(pool)]
            for ann in by_image.get(source["id"], [])[:quota]:
                out_annotations.append({"id": len(out_annotations) + 1, "image_id": image_id, **placed(ann, source, target)})
                quota -= 1
            step += 1
    (out / "annotations").mkdir(parents=True, exist_ok=True)
    with open(out / "annotations" / f"instances_{split}.json", "w") as f:
        json.dump({"info": {"description": f"COCO-scale rehearsal layout from {root}"}, "licenses": [],
                   "images": out_images, "annotations": out_annotations, "categories": categories}, f)
    return {"split": split, "images": len(out_images), "annotations": len(out_annotations), "source_images": len(pool)}


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("source", type=Path)
    parser.add_argument("out", type=Path)
    parser.add_argument("--scale", type=float, default=1.0)
    args = parser.parse_args()
    began = time.monotonic()
    shutil.rmtree(args.out, ignore_errors=True)
    for split in COCO_COUNTS:
        print(json.dumps(build_split(args.source, args.out, split, args.scale)), flush=True)
    size = sum(f.stat().st_size for f in (args.out / "annotations").iterdir())
    print(f"instances files: {size / 2**20:.0f} MiB; built in {time.monotonic() - began:.0f} s", flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
