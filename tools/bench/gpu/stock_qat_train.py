"""yolo_py.train with the batched weight quantization left out: QAT on stock Brevitas per-layer quantization, for
the learning comparison of learn-bench.sh (same request, same trainer otherwise). trainer_speed.py's qat-stock
uses the same switch.

    python3 tools/bench/gpu/stock_qat_train.py <request.json> <yolo-config-dir>
"""

import sys

from yolo_py.trainer import ExperimentTrainer


def use_stock_brevitas() -> None:
    """Makes ExperimentTrainer build its model without BatchedWeightQuant.install."""
    ExperimentTrainer.setup_model = ExperimentTrainer._build_model


if __name__ == "__main__":
    from yolo_py import train

    use_stock_brevitas()
    sys.exit(train.main(sys.argv[1:]))
