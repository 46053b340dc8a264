"""Entry point of the ptq-w8a8 stage: python -m yolo_py.ptq_w8a8_cli <request.json> <yolo-config-dir>

Request: yolo_py.ptq.w8a8_request.W8a8Request. Writes into its out_dir (a staging folder) the W8A8 static QDQ ONNX
of the FP16 file, calibrated on the calibration tensor, and ptq-w8a8.json (file, settings, Q/DQ coverage of the
convs, calibration provenance). Exit 2 with a message naming the file for a bad request or input. Imports nothing
of the W4A16 step (Brevitas, the INT4 packing, the SQNR report), so its edits never rerun this stage.
"""

from __future__ import annotations

import sys
from pathlib import Path

from yolo_py.ptq.w8a8_request import W8a8Request
from yolo_py.ptq_step import FILES, BadInput, file_entries, main

STEP = "w8a8"


def run(request: W8a8Request) -> dict[Path, tuple[dict, str]]:
    import numpy as np
    import onnx
    import onnxruntime as ort

    from yolo_py.export.graph_stats import op_counts, quantized_conv_counts
    from yolo_py.image_set import read_image_set
    from yolo_py.ptq.w8a8 import quantize_w8a8

    files = FILES[STEP]
    out = Path(request.out_dir)
    try:
        images = read_image_set(Path(request.calibration_tensor), Path(request.calibration_meta))
    except (OSError, ValueError) as error:
        raise BadInput(f"calibration set: {error}") from None
    if images.shape[2:] != (request.imgsz, request.imgsz):
        raise BadInput(f"{request.calibration_meta}: calibration images are {images.shape[2]}x{images.shape[3]}, the export is {request.imgsz}x{request.imgsz}")
    print(f"[ptq] W8A8: calibrating on {len(images)} images ({request.calibration_method})", flush=True)
    try:
        w8a8 = quantize_w8a8(Path(request.fp16_onnx), out / files["w8a8"], images, request.calibration_method)
    except ValueError as error:
        raise BadInput(str(error)) from None
    proto = onnx.load(str(out / files["w8a8"]))
    w8a8["graph"] = {"node_counts": op_counts(proto), "conv_quantization": quantized_conv_counts(proto)}
    listed = request.calibration_list
    summary = {
        "files": file_entries(out, STEP),
        "w8a8": {**w8a8, "calibration": {key: listed[key] for key in ("images", "sha256", "requested", "letterbox")}},
        "versions": {"onnxruntime": ort.__version__, "numpy": np.__version__},
    }
    return {out / files["summary"]: (summary, "ptq_w8a8.schema.json")}


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:], "usage: python -m yolo_py.ptq_w8a8_cli <request.json> <yolo-config-dir>", W8a8Request.from_file, run))
