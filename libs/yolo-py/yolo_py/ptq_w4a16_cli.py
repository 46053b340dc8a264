"""Entry point of the ptq-w4a16 stage: python -m yolo_py.ptq_w4a16_cli <request.json> <yolo-config-dir>

Request: yolo_py.ptq.w4a16_request.W4a16Request. Writes into its out_dir (a staging folder) the W4A16 PTQ model
(the FP16 weights through the QAT quantizer) as checkpoint and QCDQ ONNX, the packed INT4 opset-21 copies of the
QCDQ files (QAT from scratch, QAT fine-tune and PTQ), each checked against its QCDQ file, quantization-report.json (per-layer weight SQNR of QAT
and of the FP16 weights, totals, lowest ten) and ptq-w4a16.json. Exit 2 with a message naming the file for a bad
request or input. Imports nothing of the W8A8 step, so its edits never rerun this stage.
"""

from __future__ import annotations

import sys
from pathlib import Path

from yolo_py.ptq.w4a16_request import W4a16Request
from yolo_py.ptq_step import FILES, BadInput, file_entries, main

STEP = "w4a16"


def run(request: W4a16Request) -> dict[Path, tuple[dict, str]]:
    import numpy as np
    import onnxruntime as ort

    from yolo_py.export.qcdq import export_qcdq_onnx
    from yolo_py.export.report import TOLERANCES, onnx_report
    from yolo_py.export.compare import compare_detections, fixed_inputs
    from yolo_py.export.int4_pack import pack_int4
    from yolo_py.export.onnx_io import INPUT_NAME
    from yolo_py.ptq.sqnr import quantization_report
    from yolo_py.ptq.w4a16 import write_ptq_checkpoint
    from yolo_py.quant import load_quant_checkpoint

    files = FILES[STEP]
    out = Path(request.out_dir)

    def load(path: Path, what: str):
        try:
            return load_quant_checkpoint(path)[0].eval()
        except ValueError as error:
            raise BadInput(f"cannot load the {what} checkpoint: {error}") from None

    print(f"[ptq] W4A16 PTQ: {Path(request.fp16_checkpoint).name} through the QAT quantizer", flush=True)
    try:
        write_ptq_checkpoint(Path(request.fp16_checkpoint), request.qat_settings, out / files["ptqCheckpoint"])
    except (RuntimeError, KeyError, AttributeError, ValueError) as error:
        raise BadInput(f"{request.fp16_checkpoint}: cannot quantize the FP16 checkpoint ({type(error).__name__}: {error})") from None
    ptq_model = load(out / files["ptqCheckpoint"], "W4A16 PTQ")
    qat_model = load(Path(request.qat_checkpoint), "QAT")
    export_qcdq_onnx(ptq_model, out / files["ptqQcdq"], request.imgsz, request.opset)
    ptq_export = onnx_report(out / files["ptqQcdq"], ptq_model, request.imgsz)

    packed = {}
    sample = fixed_inputs(request.imgsz)
    sources = (("qatInt4", Path(request.qat_qcdq_onnx)), ("qatFtInt4", Path(request.qat_ft_qcdq_onnx)), ("ptqInt4", out / files["ptqQcdq"]))
    for key, qcdq in sources:
        print(f"[ptq] packing {qcdq.name} -> {files[key]} (INT4, opset 21)", flush=True)
        summary = pack_int4(qcdq, out / files[key])
        run_file = lambda f: ort.InferenceSession(str(f), providers=["CPUExecutionProvider"]).run(None, {INPUT_NAME: sample})[0]
        agreement = compare_detections(run_file(qcdq), run_file(out / files[key]), TOLERANCES["qcdq"])
        if not agreement["within_tolerance"]:
            raise RuntimeError(f"{out / files[key]}: outputs differ from {qcdq.name} beyond the export tolerance: {agreement}")
        packed[key] = {**summary, "qcdq_file": qcdq.name, "qcdq_vs_int4": agreement}

    report = quantization_report({"qat": qat_model, "fp16_weights": ptq_model})
    report["note"] = (
        "weight SQNR of the weight fake quantization per conv (bitWidth: the layer's width), before BN folding; "
        "fp16Weights is what W4A16 PTQ rounds"
    )
    summary = {
        "files": file_entries(out, STEP),
        "qat_settings": request.qat_settings.to_dict(),
        "ptq_w4a16": {"source_checkpoint": request.fp16_checkpoint, "export": ptq_export},
        "int4": packed,
        "versions": {"onnxruntime": ort.__version__, "numpy": np.__version__},
    }
    return {out / files["report"]: (report, "quantization_report.schema.json"), out / files["summary"]: (summary, "ptq_w4a16.schema.json")}


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:], "usage: python -m yolo_py.ptq_w4a16_cli <request.json> <yolo-config-dir>", W4a16Request.from_file, run))
