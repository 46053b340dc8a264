"""Post-training quantization baselines of the finished FP16 model: W4A16 (Brevitas, the QAT quantizer) and
W8A8 static QDQ (onnxruntime.quantization), plus the per-layer SQNR analysis both trainings are read with."""
