"""The experiment's Ultralytics trainer: one class for both variants, importable so DDP ranks can rebuild it.

What it changes in Ultralytics' DetectionTrainer, and why:
- the model is always built from the YAML with random init; the QAT variant swaps every Conv2d for a Brevitas
  4-bit weight fake-quant conv right after building (in every DDP rank, so nothing Brevitas is pickled);
- QAT checkpoints use yolo_py.quant's data-only format (Brevitas modules do not pickle); FP16 keeps Ultralytics'
  own format, loadable with YOLO(path);
- periodic checkpoints are named by the 1-based epoch they follow (epoch5.pt after the 5th epoch);
- resume is driven by the request (resume_from), for both formats, and keeps results.csv;
- the AMP check runs locally instead of downloading weights;
- QAT training computes the weight fake quantization of all layers at once (quant/batched.py, checked
  against Brevitas when it takes the model over): stock Brevitas per-layer quantization made the QAT step
  3.8x the FP16 one;
- SGD on CUDA is torch's fused SGD with zeroed momentum buffers (yolo_py/fused_sgd.py): no host sync per step
  for GradScaler's inf check, and the same update as Ultralytics' SGD;
- on one CUDA GPU the model's forward and backward replay as CUDA graphs (yolo_py/cuda_graph.py; the request's
  cuda_graphs): the step was bound by the CPU launching kernels, the outputs are the eager ones bit for bit;
- the optimizer step clips a parameter list taken once (yolo_py/optimizer_step.py), not a walk over the QAT model's
  6,420 modules at every batch.
"""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import torch
from ultralytics.engine import trainer as ultralytics_trainer
from ultralytics.models.yolo.detect import DetectionTrainer
from ultralytics.nn.tasks import DetectionModel, load_checkpoint
from ultralytics.utils import DEFAULT_CFG_DICT, LOCAL_RANK, RANK
from ultralytics.utils.torch_utils import ModelEMA, torch_distributed_zero_first

from yolo_py import lifeline
from yolo_py.amp_check import local_amp_check
from yolo_py.cuda_graph import GraphedTraining, should_graph
from yolo_py.fused_sgd import fused_sgd_like, zero_missing_momentum_buffers
from yolo_py.optimizer_step import ParameterCache, optimizer_step
from yolo_py.quant import (
    BatchedWeightQuant,
    QatSettings,
    QuantReport,
    drop_optimizer_state,
    load_quant_checkpoint,
    quant_report,
    quantize_model,
    save_quant_checkpoint,
)
from yolo_py.request import TrainRequest

# Ultralytics' check_amp downloads yolo26n.pt; the trainer module looks the name up at call time.
ultralytics_trainer.check_amp = local_amp_check

if RANK != -1:  # a DDP worker (this module is imported when the worker unpickles the trainer class)
    lifeline.watch_launcher()


class ExperimentTrainer(DetectionTrainer):
    """DetectionTrainer for the fp16 and qat variants of one request (read from the environment)."""

    def __init__(self, cfg=None, overrides: dict | None = None, _callbacks=None):
        self.request = TrainRequest.from_env()
        self.qat_settings = QatSettings.from_dict(self.request.qat) if self.request.qat is not None else None
        self.quant_report: QuantReport | None = None
        self.weight_quant: BatchedWeightQuant | None = None
        self.clipped_parameters = ParameterCache()
        cfg = {**DEFAULT_CFG_DICT, "save_dir": ""} if cfg is None else cfg
        super().__init__(cfg=cfg, overrides=overrides or self.request.ultralytics_overrides(), _callbacks=_callbacks)

    # --- resume -------------------------------------------------------------------------------------------
    def check_resume(self, overrides):
        """Resume comes from the request, not from Ultralytics' args (its resume path reloads pickled models).

        args.resume stays truthy while resuming so Ultralytics keeps results.csv; trainer.resume drives the rest.
        """
        resume_from = self.request.resume_from
        self.resume = bool(resume_from)
        self.args.resume = resume_from or False

    def setup_model(self):
        ckpt = self._build_model()
        if self.qat_settings is not None:
            self.weight_quant = BatchedWeightQuant.install(self.model)
            if RANK in {-1, 0}:
                print(f"QAT: weight quantization batched over {len(self.weight_quant.names)} layers "
                      "(equal to Brevitas on every layer)", flush=True)
        return ckpt

    def _setup_train(self):
        super()._setup_train()
        if not self.request.cuda_graphs:
            return
        graph, why_not = should_graph(self.device, RANK, bool(self.args.multi_scale))
        if graph:
            self.model = GraphedTraining(self.model)  # captured at the first training batch
        if RANK in {-1, 0}:
            print(f"CUDA graphs: {'on (forward and backward replayed)' if graph else 'off: ' + why_not}", flush=True)

    def _build_model(self):
        resume_from = self.request.resume_from
        if not resume_from:
            self.model = self.get_model(cfg=self.request.model, weights=None, verbose=RANK in {-1, 0})
            return None
        if self.qat_settings is not None:
            model, _, extra = load_quant_checkpoint(resume_from)
            self.model = self._attach(model)
            self.quant_report = quant_report(model)
            ckpt = {**extra, "ema_state": model.state_dict()}
        else:
            weights, ckpt = load_checkpoint(resume_from)
            self.model = self.get_model(cfg=weights.yaml, weights=weights, verbose=RANK in {-1, 0})
        if RANK in {-1, 0} and ckpt.get("epoch", -1) >= 0:  # -1: a finished, stripped checkpoint (see train.py)
            truncate_results(self.csv, last_epoch=ckpt["epoch"] + 1)
        return ckpt

    def build_optimizer(self, model, *args, **kwargs):
        optimizer = super().build_optimizer(model, *args, **kwargs)
        if type(optimizer) is torch.optim.SGD and next(model.parameters()).is_cuda:
            return fused_sgd_like(optimizer)
        return optimizer

    def optimizer_step(self):
        if self.device.type == "npu":  # Ultralytics clips without foreach there
            return super().optimizer_step()
        optimizer_step(self.optimizer, self.scaler, self.clipped_parameters.of(self.model), self.ema, self.model)

    def _load_checkpoint_state(self, ckpt):
        self._restore_training_state(ckpt)
        if isinstance(self.optimizer, torch.optim.SGD) and self.optimizer.defaults.get("fused"):
            zero_missing_momentum_buffers(self.optimizer)

    def _restore_training_state(self, ckpt):
        if "ema_state" not in ckpt:
            return super()._load_checkpoint_state(ckpt)
        if ckpt.get("optimizer") is not None:
            for saved, group in zip(ckpt["optimizer"]["param_groups"], self.optimizer.param_groups):
                saved["fused"] = group.get("fused")
            self.optimizer.load_state_dict(ckpt["optimizer"])
        if ckpt.get("scaler"):
            self.scaler.load_state_dict(ckpt["scaler"])
        self.ema = ModelEMA(self.model)
        self.ema.ema.load_state_dict(ckpt["ema_state"])
        self.ema.updates = ckpt["updates"]
        self.best_fitness = ckpt.get("best_fitness")
        self.stopper.__dict__.update(ckpt.get("stopper") or {})

    # --- model --------------------------------------------------------------------------------------------
    def get_model(self, cfg=None, weights=None, verbose=True):
        model = DetectionModel(cfg, nc=self.data["nc"], ch=self.data["channels"], verbose=verbose and RANK == -1)
        if weights:
            model.load(weights)
        if self.qat_settings is not None:
            self.quant_report = quantize_model(model, self.qat_settings)
            if verbose:
                r = self.quant_report
                print(f"QAT: {r.quantized_convs} Conv2d -> QuantConv2d (W{self.qat_settings.weight_bit_width}), "
                      f"kept float: {', '.join(r.float_conv_names) or 'none'}", flush=True)
        return model

    def _attach(self, model: DetectionModel) -> DetectionModel:
        model.nc = self.data["nc"]
        model.names = self.data["names"]
        model.args = self.args
        return model

    # --- checkpoints --------------------------------------------------------------------------------------
    def save_model(self):
        if self.qat_settings is None:
            super().save_model()
        else:
            self._save_quant_checkpoints()
        epoch_number = self.epoch + 1  # 1-based: epoch5.pt is written after the fifth epoch
        if self.request.save_period > 0 and epoch_number % self.request.save_period == 0:
            shutil.copyfile(self.last, self.wdir / f"epoch{epoch_number}.pt")
        return True

    def _save_quant_checkpoints(self) -> None:
        extra = {
            "epoch": self.epoch,
            "best_fitness": _plain_number(self.best_fitness),
            "stopper": {"best_fitness": _plain_number(self.stopper.best_fitness), "best_epoch": self.stopper.best_epoch},
            "updates": self.ema.updates,
            "optimizer": self.optimizer.state_dict(),  # saved at once, so no copy is needed
            "scaler": self.scaler.state_dict(),
            "train_metrics": {k: _plain_number(v) for k, v in {**self.metrics, "fitness": self.fitness}.items()},
        }
        save_quant_checkpoint(self.last, self.ema.ema, self.qat_settings, extra)
        if self.best_fitness == self.fitness:
            shutil.copyfile(self.last, self.best)

    def final_eval(self):
        if self.qat_settings is None:
            return super().final_eval()
        if not self.best.exists():
            return None
        # Under DDP every rank gets here: rank 0 rewrites the files while the others wait, then all read best.pt.
        with torch_distributed_zero_first(LOCAL_RANK):
            strip_finished_quant_checkpoints((self.last, self.best), rank=RANK)
        model, _, _ = load_quant_checkpoint(self.best)
        model = self._attach(model)
        print(f"\nValidating {self.best}...", flush=True)
        self.validator.args.plots = self.args.plots
        self.validator.args.compile = False
        self.metrics = self.validator(model=model.to(self.device).eval())
        self.metrics.pop("fitness", None)
        self.epoch += 1
        self.run_callbacks("on_fit_epoch_end")
        self.epoch -= 1
        return None


def truncate_results(csv: Path, last_epoch: int) -> None:
    """Drops results.csv rows past the checkpoint a run resumes from.

    Ultralytics appends the epoch's row before it saves the checkpoint, so a run killed in between has one row
    more than its checkpoint; the resumed run writes that epoch again, and it must not appear twice.
    """
    if not csv.exists():
        return
    header, *rows = csv.read_text().splitlines()
    kept = [row for row in rows if row.strip() and float(row.split(",")[0]) <= last_epoch]
    if len(kept) != len(rows):
        csv.write_text("\n".join([header, *kept]) + "\n")


def _plain_number(value: Any) -> float | None:
    if value is None:
        return None
    return float(value.item() if isinstance(value, torch.Tensor) else value)


def strip_finished_quant_checkpoints(paths: tuple[Path, ...], rank: int) -> None:
    """Drops the optimizer state from a finished run's checkpoints, in the one process that owns the files
    (rank -1 without DDP, rank 0 with it); the other ranks only read them once rank 0 is done."""
    if rank not in {-1, 0}:
        return
    for path in paths:
        drop_optimizer_state(path)


__all__ = ["ExperimentTrainer"]
