"""Oracle for letterbox.test.ts, val style: the tensors Ultralytics' own val dataloader produces. The images are
linked into a YOLO folder (images/ + empty labels/), read by build_yolo_dataset in mode 'val' with rect=False (the
square input of a fixed-size ONNX file, as tools/parity/ultralytics_val.py validates), then /255 as float32 like
DetectionValidator.preprocess. Written as raw float32 with the ratio_pad the validator scales boxes back with.

Usage: python ultralytics_val_letterbox.py OUT_DIR IMGSZ IMAGE...  ->  OUT_DIR/manifest.json plus OUT_DIR/<i>.f32
"""
import json
import os
import sys
from pathlib import Path


def main() -> None:
    out, imgsz, paths = Path(sys.argv[1]), int(sys.argv[2]), sys.argv[3:]
    os.environ.setdefault("YOLO_CONFIG_DIR", str(out / "config"))
    from ultralytics.cfg import get_cfg
    from ultralytics.data.build import build_yolo_dataset

    folder = out / "yolo" / "images"
    (out / "yolo" / "labels").mkdir(parents=True)
    folder.mkdir(parents=True)
    linked = {}
    for i, path in enumerate(paths):
        link = folder / f"{i:03d}{Path(path).suffix}"
        link.symlink_to(Path(path).resolve())
        (out / "yolo" / "labels" / f"{i:03d}.txt").write_text("")
        linked[str(link)] = path
    cfg = get_cfg(overrides={"imgsz": imgsz, "rect": False, "cache": False, "workers": 0, "fraction": 1.0})
    data = {"names": {0: "object"}, "nc": 1, "channels": 3}
    dataset = build_yolo_dataset(cfg, str(folder), 1, data, mode="val", rect=False, stride=32)
    manifest = []
    for k in range(len(dataset)):
        item = dataset[k]
        tensor = item["img"].float() / 255
        i = len(manifest)
        (out / f"{i}.f32").write_bytes(tensor.numpy().astype("<f4").tobytes())
        (gain_h, gain_w), (pad_w, pad_h) = item["ratio_pad"]
        manifest.append({
            "path": linked[str(Path(item["im_file"]))], "file": f"{i}.f32", "shape": list(tensor.shape),
            "gainX": gain_w, "gainY": gain_h, "padX": pad_w, "padY": pad_h,
            "origHeight": item["ori_shape"][0], "origWidth": item["ori_shape"][1],
        })
    (out / "manifest.json").write_text(json.dumps({"images": manifest}))


if __name__ == "__main__":
    main()
