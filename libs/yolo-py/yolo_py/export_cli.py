"""Entry point of the export stage: python -m yolo_py.export_cli <request.json> <yolo-config-dir>

Request: yolo_py.export_request.ExportRequest (out_dir, imgsz, opset, models: variant, head, checkpoint, file).
Writes each ONNX file (each trained model once per head: the one-to-one, NMS-free file and the one-to-many file for
NMS) and export.json (models.<variant>.<head>: opset, io, sizes, sha256, Q/DQ node counts, parameters,
torch-vs-ORT agreement; bnReestimation: what re-estimated the QAT models' BatchNorm statistics, or null) into
out_dir. Exit 2 with a message naming the file for a bad request or an unreadable checkpoint.
"""

from __future__ import annotations

import sys
from pathlib import Path

from yolo_py import offline
from yolo_py.artifacts import write_artifact
from yolo_py.layout import EXPORT_JSON
from yolo_py.export_request import BnImages, ExportModel, ExportRequest
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


class BadModel(Exception):
    """A checkpoint or BatchNorm image set that cannot be used; the message names the file."""


def load_models(request: ExportRequest) -> tuple[dict[str, tuple], dict[str, dict]]:
    """Each variant's model, loaded once for both heads, with its checkpoint's sha256; and, when the request asks for
    it, what re-estimated the QAT models' BatchNorm statistics (variant -> export.json's record). FP16 is exported as
    trained. BadModel names the file that failed."""
    from yolo_py.files import sha256_of

    loaded: dict[str, tuple] = {}
    reestimated: dict[str, dict] = {}
    for variant, checkpoint in dict((m.variant, Path(m.checkpoint)) for m in request.models).items():
        try:
            loaded[variant] = (load_variant_model(variant, checkpoint), sha256_of(checkpoint))
        except Exception as error:  # noqa: BLE001 - any load failure means the same thing to the user
            raise BadModel(f"{checkpoint}: cannot load the {variant} checkpoint ({type(error).__name__}: {error})") from None
        if request.bn_reestimation is None or variant not in QUANTIZED_VARIANTS:
            continue
        try:
            record = reestimated[variant] = reestimate_quantized(loaded[variant][0], request.bn_reestimation, request.imgsz)
        except (OSError, ValueError) as error:
            raise BadModel(f"BatchNorm re-estimation: {error}") from None
        print(f"[export] {variant}: BatchNorm statistics of {record['layers']} layers re-estimated on {record['images']} train "
              f"images ({record['batches']} batches of at most {record['batch']})", flush=True)
    return loaded, reestimated


def reestimate_quantized(model, bn: BnImages, imgsz: int) -> dict:
    """Re-estimates a QAT model's BatchNorm statistics on the request's train images (export/bn_reestimation.py);
    returns export.json's record of it. ValueError when the images are not at the export's size."""
    import torch

    from yolo_py.export.bn_reestimation import reestimate_batchnorm
    from yolo_py.image_set import read_image_set

    images = read_image_set(Path(bn.tensor), Path(bn.meta))
    if images.shape[2:] != (imgsz, imgsz):
        raise ValueError(f"{bn.meta}: the BatchNorm images are {images.shape[2]}x{images.shape[3]}, the export is {imgsz}x{imgsz}")
    done = reestimate_batchnorm(model, torch.from_numpy(images), bn.batch)
    listed = bn.image_list
    return {
        "images": done.images,
        "batches": done.batches,
        "batch": done.batch,
        "layers": done.layers,
        **{key: listed[key] for key in ("requested", "letterbox")},
        "list_sha256": listed["sha256"],
    }


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

    try:
        loaded, reestimated = load_models(request)
    except BadModel as error:
        print(error, file=sys.stderr)
        return EXIT_BAD_INPUT
    models: dict[str, dict[str, dict]] = {}
    for entry in request.models:
        variant, head, checkpoint = entry.variant, entry.head, Path(entry.checkpoint)
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
        # One record for every re-estimated model: they share the images and the batch.
        "bn_reestimation": {"variants": sorted(reestimated), **next(iter(reestimated.values()))} if reestimated else None,
        "versions": {"torch": torch.__version__, "onnx": onnx.__version__, "onnxruntime": onnxruntime.__version__},
    }
    write_artifact(out_dir / EXPORT_JSON, export_json, "export.schema.json")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
