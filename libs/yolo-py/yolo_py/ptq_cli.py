"""Entry point of the post-training quantization steps: python -m yolo_py.ptq_cli <request.json> <yolo-config-dir>

Two steps, two graph stages, so that a calibration change never redoes the W4A16 work (request key "step"):
- "w4a16": {"out_dir", "imgsz", "opset", "qat_settings", "fp16_checkpoint", "qat_checkpoint", "qat_qcdq_onnx"}
  -> the W4A16 PTQ model (FP16 weights through the QAT quantizer) as checkpoint and QCDQ ONNX, the packed INT4
  opset-21 copies of both QCDQ files (QAT and PTQ), each checked against its QCDQ file, quantization-report.json
  (per-layer weight SQNR of QAT and of the FP16 weights, totals, lowest ten) and ptq-w4a16.json.
- "w8a8": {"out_dir", "imgsz", "fp16_onnx", "calibration": {"tensor", "meta", "method"}} -> the W8A8 static QDQ ONNX of
  the FP16 file, calibrated on the calibration tensor, and ptq-w8a8.json (file, settings, calibration provenance).
Files go into out_dir (a staging folder). Exit 2 with a message naming the file for a bad request or input.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from yolo_py import offline
from yolo_py.exit_codes import EXIT_BAD_INPUT
# The file names of these steps, defined once in ptq_files.json (libs/core/src/layout.ts imports it too).
FILES = json.loads((Path(__file__).parent / "ptq_files.json").read_text())
REQUIRED = {
    "w4a16": ("out_dir", "imgsz", "opset", "qat_settings", "fp16_checkpoint", "qat_checkpoint", "qat_qcdq_onnx"),
    "w8a8": ("out_dir", "imgsz", "fp16_onnx", "calibration"),
}
# Written by main from the step's result, not part of the files entry of its summary.
_RESULT_FILES = ("report", "summary")


class BadInput(Exception):
    """A request or input file the user must fix; the message names it."""


def _check_request(request: dict, request_path: Path) -> str:
    step = request.get("step")
    if step not in REQUIRED:
        raise BadInput(f"{request_path}: key 'step' must be one of {list(REQUIRED)}, got {step!r}")
    missing = [k for k in REQUIRED[step] if k not in request]
    if missing:
        raise BadInput(f"{request_path}: missing key '{missing[0]}' (expected {list(REQUIRED[step])} for step {step!r})")
    for key in ("fp16_checkpoint", "qat_checkpoint", "fp16_onnx", "qat_qcdq_onnx"):
        if key in REQUIRED[step] and not Path(request[key]).is_file():
            raise BadInput(f"{request[key]}: not found (request key '{key}')")
    return step


def _file_entries(out: Path, step: str) -> dict:
    from yolo_py.export.report import sha256_of

    return {key: {"file": name, "bytes": (out / name).stat().st_size, "sha256": sha256_of(out / name)} for key, name in FILES[step].items() if key not in _RESULT_FILES}


def run_w4a16(request: dict, request_path: Path) -> dict:
    import numpy as np
    import onnxruntime as ort

    from yolo_py.export import TOLERANCES, export_qcdq_onnx, onnx_report
    from yolo_py.export.compare import compare_detections, fixed_inputs
    from yolo_py.export.int4_pack import pack_int4
    from yolo_py.export.onnx_io import INPUT_NAME
    from yolo_py.ptq.sqnr import quantization_report
    from yolo_py.ptq.w4a16 import write_ptq_checkpoint
    from yolo_py.quant import QatSettings, load_quant_checkpoint

    files = FILES["w4a16"]
    out = Path(request["out_dir"])
    imgsz, opset = int(request["imgsz"]), int(request["opset"])
    try:
        settings = QatSettings.from_dict(request["qat_settings"])
    except ValueError as error:
        raise BadInput(f"{request_path}: {error}") from None

    def load(path: Path, what: str):
        try:
            return load_quant_checkpoint(path)[0].eval()
        except ValueError as error:
            raise BadInput(f"cannot load the {what} checkpoint: {error}") from None

    print(f"[ptq] W4A16 PTQ: {Path(request['fp16_checkpoint']).name} through the QAT quantizer", flush=True)
    try:
        write_ptq_checkpoint(Path(request["fp16_checkpoint"]), settings, out / files["ptq_checkpoint"])
    except (RuntimeError, KeyError, AttributeError, ValueError) as error:
        raise BadInput(f"{request['fp16_checkpoint']}: cannot quantize the FP16 checkpoint ({type(error).__name__}: {error})") from None
    ptq_model = load(out / files["ptq_checkpoint"], "W4A16 PTQ")
    qat_model = load(Path(request["qat_checkpoint"]), "QAT")
    export_qcdq_onnx(ptq_model, out / files["ptq_qcdq"], imgsz, opset)
    ptq_export = onnx_report(out / files["ptq_qcdq"], ptq_model, imgsz)

    packed = {}
    sample = fixed_inputs(imgsz)
    for key, qcdq in (("qat_int4", Path(request["qat_qcdq_onnx"])), ("ptq_int4", out / files["ptq_qcdq"])):
        print(f"[ptq] packing {qcdq.name} -> {files[key]} (INT4, opset 21)", flush=True)
        summary = pack_int4(qcdq, out / files[key])
        run_file = lambda f: ort.InferenceSession(str(f), providers=["CPUExecutionProvider"]).run(None, {INPUT_NAME: sample})[0]
        agreement = compare_detections(run_file(qcdq), run_file(out / files[key]), TOLERANCES["qcdq"])
        if not agreement["within_tolerance"]:
            raise RuntimeError(f"{out / files[key]}: outputs differ from {qcdq.name} beyond the export tolerance: {agreement}")
        packed[key] = {**summary, "qcdq_file": qcdq.name, "qcdq_vs_int4": agreement}

    report = quantization_report({"qat": qat_model, "fp16_weights": ptq_model})
    report["note"] = "weight SQNR of the 4-bit fake quantization per conv, before BN folding; fp16_weights is what W4A16 PTQ rounds"
    return {
        "report": report,
        "summary": {
            "files": _file_entries(out, "w4a16"),
            "qat_settings": settings.to_dict(),
            "ptq_w4a16": {"source_checkpoint": request["fp16_checkpoint"], "export": ptq_export},
            "int4": packed,
            "versions": {"onnxruntime": ort.__version__, "numpy": np.__version__},
        },
    }


def run_w8a8(request: dict, request_path: Path) -> dict:
    import numpy as np
    import onnxruntime as ort

    from yolo_py.ptq.w8a8 import CALIBRATION_METHODS, quantize_w8a8, read_calibration_images

    out = Path(request["out_dir"])
    calibration = request["calibration"]
    if not isinstance(calibration, dict) or calibration.get("method") not in CALIBRATION_METHODS:  # checked before any work
        method = calibration.get("method") if isinstance(calibration, dict) else None
        raise BadInput(f"{request_path}: calibration method must be one of {list(CALIBRATION_METHODS)}, got {method!r}")
    try:
        images = read_calibration_images(Path(calibration["tensor"]), Path(calibration["meta"]))
        meta = json.loads(Path(calibration["meta"]).read_text())
    except (OSError, ValueError, KeyError) as error:
        raise BadInput(f"calibration set: {error}") from None
    imgsz = int(request["imgsz"])
    if images.shape[2:] != (imgsz, imgsz):
        raise BadInput(f"{calibration['meta']}: calibration images are {images.shape[2]}x{images.shape[3]}, the export is {imgsz}x{imgsz}")
    print(f"[ptq] W8A8: calibrating on {len(images)} images ({calibration['method']})", flush=True)
    try:
        w8a8 = quantize_w8a8(Path(request["fp16_onnx"]), out / FILES["w8a8"]["w8a8"], images, calibration["method"])
    except ValueError as error:
        raise BadInput(str(error)) from None
    import onnx

    from yolo_py.export.graph_stats import op_counts, quantized_conv_counts

    proto = onnx.load(str(out / FILES["w8a8"]["w8a8"]))
    w8a8["graph"] = {"node_counts": op_counts(proto), "conv_quantization": quantized_conv_counts(proto)}
    return {
        "summary": {
            "files": _file_entries(out, "w8a8"),
            "w8a8": {**w8a8, "calibration": {"images": meta.get("images"), "sha256": meta.get("sha256"), "requested": meta.get("requested")}},
            "versions": {"onnxruntime": ort.__version__, "numpy": np.__version__},
        },
    }


def run(request: dict, request_path: Path) -> dict:
    step = _check_request(request, request_path)
    return (run_w4a16 if step == "w4a16" else run_w8a8)(request, request_path)


def main(argv: list[str]) -> int:
    if len(argv) != 2:
        print("usage: python -m yolo_py.ptq_cli <request.json> <yolo-config-dir>", file=sys.stderr)
        return EXIT_BAD_INPUT
    offline.configure(Path(argv[1]))
    request_path = Path(argv[0])
    try:
        request = json.loads(request_path.read_text())
    except (OSError, json.JSONDecodeError) as error:
        print(f"{request_path}: cannot read the request ({error})", file=sys.stderr)
        return EXIT_BAD_INPUT
    try:
        result = run(request, request_path)
    except BadInput as error:
        print(str(error), file=sys.stderr)
        return EXIT_BAD_INPUT
    out = Path(request["out_dir"])
    from yolo_py.files import write_json

    for key in _RESULT_FILES:
        if key in result:
            write_json(out / FILES[request["step"]][key], result[key])
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
