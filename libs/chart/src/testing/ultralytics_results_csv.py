"""Test oracle: writes a results.csv through Ultralytics' own BaseTrainer.save_metrics, with the column names the
trainer derives for a YOLOv10m detection run, and writes the values it logged as JSON for the TypeScript reader to
match (to a file: Ultralytics prints its own notices on stdout).

usage: python ultralytics_results_csv.py <out.csv> <logged.json> <epochs>
"""

import json
import math
import sys
import time
from pathlib import Path
from types import SimpleNamespace

from ultralytics.cfg import get_cfg
from ultralytics.engine.trainer import BaseTrainer
from ultralytics.nn.tasks import DetectionModel
from ultralytics.utils.metrics import DetMetrics


def main(out: str, logged_json: str, epochs: int) -> None:
    # The trainer names its loss columns after the criterion's loss dict; YOLOv10's is an E2ELoss.
    model = DetectionModel("yolov10m.yaml", nc=80, verbose=False)
    model.args = get_cfg()
    loss_names = tuple(model.init_criterion().one2one.loss_names)

    trainer = SimpleNamespace(csv=Path(out), train_time_start=time.time(), epoch=0, loss_names=loss_names)
    logged = []
    for epoch in range(epochs):
        trainer.epoch = epoch
        train = {name: 3.0 / (epoch + 1) + i for i, name in enumerate(loss_names)}
        val = BaseTrainer.label_loss_items(trainer, {n: v * 1.1 for n, v in train.items()}, prefix="val")
        if epoch == 1:
            val["val/cls_loss"] = math.nan  # a diverged validation loss is logged as "nan"
        metrics = dict(zip(DetMetrics().keys, [0.1 * epoch + 0.01 * i for i in range(4)]))
        lr = {f"lr/pg{g}": 0.01 / (epoch + 1) + 1e-4 * g for g in range(3)}
        row = {**BaseTrainer.label_loss_items(trainer, train), **metrics, **val, **lr}
        BaseTrainer.save_metrics(trainer, metrics=row)
        logged.append({"epoch": epoch + 1, **{k: (None if math.isnan(v) else v) for k, v in row.items()}})
    Path(logged_json).write_text(json.dumps(logged))


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2], int(sys.argv[3]))
