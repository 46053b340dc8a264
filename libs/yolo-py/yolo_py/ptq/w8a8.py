"""W8A8 static PTQ of the FP16 ONNX export: int8 weights and activations as a QDQ graph, calibrated.

onnxruntime.quantization (in requirements.lock) does the work. NVIDIA ModelOpt's ONNX PTQ also installs
and runs on CPU here, but pulls torch/onnxruntime versions other than the lock's (see docs/quantization.md).
Only Conv and MatMul are quantized: they are the compute; quantizing the decode's Concat/Mul would round
pixel coordinates and scores to 8 bits, which no deployment does. Weights are symmetric per output
channel, activations per tensor with the calibrated range.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from onnxruntime.quantization import CalibrationMethod

CALIBRATORS = {"minmax": CalibrationMethod.MinMax, "entropy": CalibrationMethod.Entropy, "percentile": CalibrationMethod.Percentile}
CALIBRATION_METHODS = tuple(CALIBRATORS)
# Histogram settings of TensorRT's entropy calibration and ONNX Runtime's percentile default (99.999).
CALIBRATOR_OPTIONS = {
    "minmax": {"symmetric": False},
    "entropy": {"symmetric": False, "num_bins": 2048, "num_quantized_bins": 128},
    "percentile": {"symmetric": False, "num_bins": 2048, "percentile": 99.999},
}
QUANTIZED_OPS = ["Conv", "MatMul"]


class _Batches:
    """A CalibrationDataReader over one image at a time (onnxruntime pulls until None)."""

    def __init__(self, input_name: str, images: np.ndarray) -> None:
        self._input, self._images, self._next = input_name, images, 0

    def get_next(self):
        if self._next >= len(self._images):
            return None
        batch = self._images[self._next : self._next + 1]
        self._next += 1
        return {self._input: batch}

    def rewind(self) -> None:
        self._next = 0


def quantize_w8a8(fp_onnx: Path, out: Path, images: np.ndarray, method: str) -> dict:
    """Writes the W8A8 QDQ copy of the float file `fp_onnx` to `out`, calibrated on `images`; returns its settings."""
    if method not in CALIBRATION_METHODS:
        raise ValueError(f"calibration method must be one of {list(CALIBRATION_METHODS)}, got {method!r}")
    if images.ndim != 4 or images.dtype != np.float32 or not len(images):
        raise ValueError(f"calibration images must be a non-empty float32 [N, 3, H, W] batch, got {images.dtype} {images.shape}")
    import onnx

    input_name = onnx.load(str(fp_onnx), load_external_data=False).graph.input[0].name
    try:
        _quantize_static(fp_onnx, out, input_name, images, method)
    except ValueError as error:
        # onnxruntime's histogram calibrators (entropy, percentile) fail on an activation whose float32 range
        # is too narrow for their bins (seen on untrained models); say which setting to change.
        raise ValueError(f"{fp_onnx}: W8A8 calibration with method '{method}' failed ({error}); try calibration method 'minmax'") from None
    return {
        "quantizer": "onnxruntime.quantization.quantize_static (QDQ)",
        "calibration_method": method,
        "calibration_images": int(len(images)),
        "weights": "int8 symmetric per output channel",
        "activations": "int8 per tensor, calibrated range",
        "quantized_ops": QUANTIZED_OPS,
    }


def _quantize_static(fp_onnx: Path, out: Path, input_name: str, images: np.ndarray, method: str) -> None:
    """Calibrates with the method's histogram settings, then quantizes from those ranges.

    quantize_static builds its calibrator with 128 histogram bins and 128 quantized bins, with which the
    entropy search has a single candidate (the full range) and so equals minmax. The ranges are computed
    here with TensorRT's 2048 bins instead and handed over through quantize_static's calibration cache.
    """
    import tempfile

    from onnxruntime.quantization import QuantFormat, QuantType, create_calibrator, quantize_static
    from onnxruntime.quantization.calibrate import save_tensors_data

    with tempfile.TemporaryDirectory(prefix="w8a8-calibration-") as tmp:
        calibrator = create_calibrator(
            Path(fp_onnx),
            QUANTIZED_OPS,
            augmented_model_path=str(Path(tmp) / "augmented.onnx"),
            calibrate_method=CALIBRATORS[method],
            providers=["CPUExecutionProvider"],
            extra_options=CALIBRATOR_OPTIONS[method],
        )
        calibrator.collect_data(_Batches(input_name, images))
        ranges = Path(tmp) / "ranges.json"
        save_tensors_data(calibrator.compute_data(), ranges)
        quantize_static(
            str(fp_onnx),
            str(out),
            None,
            quant_format=QuantFormat.QDQ,
            op_types_to_quantize=QUANTIZED_OPS,
            per_channel=True,
            activation_type=QuantType.QInt8,
            weight_type=QuantType.QInt8,
            calibrate_method=CALIBRATORS[method],
            calibration_cache_path=str(ranges),
            extra_options={"WeightSymmetric": True, "ActivationSymmetric": False},
        )
