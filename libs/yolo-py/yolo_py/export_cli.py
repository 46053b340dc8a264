"""Entry point of the export stage: python -m yolo_py.export_cli <request.json> <yolo-config-dir>

Request: yolo_py.export_request.ExportRequest (out_dir, imgsz, opset, models: variant, head, checkpoint, file).
Writes each ONNX file (each trained model once per head: the one-to-one, NMS-free file and the one-to-many file for
NMS) and export.json (models.<variant>.<head>: opset, io, sizes, sha256, Q/DQ node counts, parameters,
torch-vs-ORT agreement) into out_dir. Exit 2 with a message naming the file for a bad request or an unreadable
checkpoint.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from yolo_py import offline
from yolo_py.artifact_keys import camel_keys
from yolo_py.files import write_atomically
from yolo_py.json_schema import check
from yolo_py.layout import EXPORT_JSON
from yolo_py.export_request import ExportModel, ExportRequest
from yolo_py.exit_codes import EXIT_BAD_INPUT
from yolo_py.variants import QUANTIZED_VARIANTS


def load_variant_model(variant: str, checkpoint: Path):
    """The trained model of a variant, float32 on CPU in eval mode (EMA weights, as Ultralytics exports)."""
    if variant in QUANTIZED_VARIANTS:
        from yolo_py.quant import load_quant_checkpoint

        model, _, _ = load_quant_checkpoint(checkpoint)
        return model.eval()
    from ultralytics.nn.tasks import load_checkpoint

    model, _ = load_checkpoint(checkpoint, device="cpu")
    return model.float().eval()


def export_entry(entry: ExportModel, summary: dict, report: dict, checkpoint_sha256: str) -> dict:
    """One model's export.json entry: the file's report at the top level, how it was exported under "export".

    The two describe one file from two sides and share keys (path, opset, graph); nesting the exporter's
    summary keeps both, where merging them let one silently replace the other. Paths are the staging folder's,
    so the entry names the file relative to export.json instead. The entry's own keys (variant, file,
    checkpoint) are set last and are not in the report, so nothing the report holds can replace them.
    """
    return {
        **{k: v for k, v in report.items() if k != "path"},
        "variant": entry.variant,
        "head": entry.head,
        "file": entry.file,
        "export": {k: v for k, v in summary.items() if k != "path"},
        "checkpoint": entry.checkpoint,
        "checkpoint_sha256": checkpoint_sha256,
    }


def main(argv: list[str]) -> int:
    if len(argv) != 2:
        print("usage: python -m yolo_py.export_cli <request.json> <yolo-config-dir>", file=sys.stderr)
        return EXIT_BAD_INPUT
    try:
        request = ExportRequest.from_file(argv[0])
    except ValueError as error:
        print(error, file=sys.stderr)
        return EXIT_BAD_INPUT
    offline.configure(Path(argv[1]))
    out_dir, imgsz, opset = Path(request.out_dir), request.imgsz, request.opset

    import onnx
    import onnxruntime
    import torch

    from yolo_py.export.baseline import export_baseline_onnx
    from yolo_py.export.qcdq import export_qcdq_onnx
    from yolo_py.export.report import onnx_report
    from yolo_py.files import sha256_of

    models: dict[str, dict[str, dict]] = {}
    loaded: dict[str, tuple] = {}  # variant -> (model, checkpoint sha256): each checkpoint is loaded once for both heads
    for entry in request.models:
        variant, head, checkpoint = entry.variant, entry.head, Path(entry.checkpoint)
        if variant not in loaded:
            try:
                loaded[variant] = (load_variant_model(variant, checkpoint), sha256_of(checkpoint))
            except Exception as error:  # noqa: BLE001 - any load failure means the same thing to the user
                print(f"{checkpoint}: cannot load the {variant} checkpoint ({type(error).__name__}: {error})", file=sys.stderr)
                return EXIT_BAD_INPUT
        model, checkpoint_sha256 = loaded[variant]
        path = out_dir / entry.file
        print(f"[export] {variant} ({head} head): {checkpoint.name} -> {path.name} (opset {opset}, imgsz {imgsz})", flush=True)
        export = export_qcdq_onnx if variant in QUANTIZED_VARIANTS else export_baseline_onnx
        summary = export(model, path, imgsz, opset, head)
        report = onnx_report(path, model, imgsz, head)
        models.setdefault(variant, {})[head] = export_entry(entry, summary, report, checkpoint_sha256)
        agreement = report["torch_vs_ort"]
        print(
            f"[export] {variant} ({head} head): {report['file_bytes'] / 2**20:.1f} MiB, "
            f"DequantizeLinear {report['node_counts'].get('DequantizeLinear', 0)}, "
            f"params {report['parameters']['initializer_elements']:,}, torch-vs-ORT {agreement}",
            flush=True,
        )
    export_json = {
        "opset": opset,
        "imgsz": imgsz,
        "models": models,
        "versions": {"torch": torch.__version__, "onnx": onnx.__version__, "onnxruntime": onnxruntime.__version__},
    }
    # Through JSON first (default=str: numpy scalars in the agreement), so the check sees what the summary will read.
    written = json.loads(json.dumps(camel_keys(export_json), default=str))
    path = out_dir / EXPORT_JSON
    text = json.dumps(check(written, "export.schema.json", path), indent=2) + "\n"
    write_atomically(path, lambda tmp: tmp.write_text(text))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
