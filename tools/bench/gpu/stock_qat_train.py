"""yolo_py.train with the batched weight quantization left out: QAT on stock Brevitas per-layer quantization, for
the learning comparison of learn-bench.sh (same request, same trainer otherwise).

    python3 tools/bench/gpu/stock_qat_train.py <request.json> <yolo-config-dir>
"""

import sys

from yolo_py import train
from yolo_py.trainer import ExperimentTrainer

ExperimentTrainer.setup_model = ExperimentTrainer._build_model  # no BatchedWeightQuant.install

if __name__ == "__main__":
    sys.exit(train.main(sys.argv[1:]))
