"""The experiment's Ultralytics trainer: one class for every variant, importable so DDP ranks can rebuild it.

What it changes in Ultralytics' DetectionTrainer, and why:
- the model is always built from the YAML, with random init or, for the QAT fine-tune (qat-ft), with train-fp16's
  EMA weights (yolo_py/fine_tune.py); the QAT variants swap every Conv2d for a Brevitas 4-bit weight fake-quant conv
  right after building (in every DDP rank, so nothing Brevitas is pickled);
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
  cuda_graphs): the step was bound by the CPU launching kernels, the outputs are the eager ones bit for bit, and the
  loop reads each batch's loss items one batch late (yolo_py/deferred_loss_items.py), so no step syncs the host for
  its progress bar; the static-shape loss can replay too (yolo_py/graphed_loss.py, LOSS_GRAPHS: off until measured);
- the optimizer step clips a parameter list taken once (yolo_py/optimizer_step.py), not a walk over the QAT model's
  6,420 modules at every batch;
- a run never loses work to a NaN, a torn file or an OOM: non-finite weights (or loss, or fitness) redo the
  epoch from last.pt through the project's own loader, QAT included, at any epoch a checkpoint exists; no
  checkpoint of either variant is written with a non-finite number, and all of them are written atomically;
  halving the batch after an out-of-memory error in the first epoch captures the CUDA graphs again at the new
  batch and says so;
- QAT epochs record the share of 4-bit weight codes that changed (quant/oscillation.py) and the collapse watch
  warns when validation mAP stays far below its best (collapse_watch.py); what happened is kept as run events;
- with the request's `distill`, the QAT loss adds the distillation term from the frozen FP16 teacher
  (yolo_py/distill.py) as its own loss item; validation, which runs the EMA without the teacher, reports none.
"""

from __future__ import annotations

import gc
import time
from pathlib import Path
from typing import Any

import numpy as np
import torch
from torch import distributed as dist
from ultralytics.engine import trainer as ultralytics_trainer
from ultralytics.models.yolo.detect import DetectionTrainer
from ultralytics.nn.tasks import DetectionModel, load_checkpoint
from ultralytics.utils import DEFAULT_CFG_DICT, LOCAL_RANK, RANK
from ultralytics.utils.torch_utils import ModelEMA, strip_optimizer, torch_distributed_zero_first, unwrap_model

from yolo_py import lifeline
from yolo_py.amp_check import local_amp_check
from yolo_py.collapse_watch import CollapseWatch, CollapseWatchSettings
from yolo_py.cuda_graph import GraphedTraining, should_graph
from yolo_py.graphed_loss import stage_targets
from yolo_py.distill import DISTILL_LOSS, DistillSettings, install_distillation
from yolo_py.files import copy_atomically, publish, temp_path_for, write_atomically
from yolo_py.fine_tune import fp16_start_state, load_start
from yolo_py.finite import first_non_finite, named_tensors
from yolo_py.fused_sgd import fused_sgd_like, zero_missing_momentum_buffers
from yolo_py.optimizer_step import ParameterCache, optimizer_step
from yolo_py.quant.oscillation import CODE_CHANGE_COLUMN, CodeChangeMeter
from yolo_py.run_events import RunEvents
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

MAP_COLUMN = "metrics/mAP50-95(B)"  # Ultralytics' validation mAP50-95 key (results.csv column)
# The loss replayed as CUDA graphs too (yolo_py/graphed_loss.py): equal to Ultralytics' loss on the CPU, but its
# capture has not yet run on a GPU, so training keeps the measured eager loss; tools/bench/gpu/trainer_speed.py's
# -graphedloss kinds turn it on to measure it (issue 29).
LOSS_GRAPHS = False
NAN_RECOVERY_ATTEMPTS = 3  # Ultralytics' own limit before it gives up on a run that keeps diverging


class TrainingDiverged(RuntimeError):
    """Non-finite numbers the run cannot recover from; nothing non-finite was written."""


def strip_optimizer_atomically(f: str | Path = "best.pt", s: str = "", updates: dict[str, Any] | None = None) -> dict[str, Any]:
    """Ultralytics' strip_optimizer (its final rewrite of last.pt and best.pt), published in one rename."""
    stripped: dict[str, Any] = {}

    def write(tmp: Path) -> None:
        stripped.update(strip_optimizer(f, s=str(tmp), updates=updates))

    write_atomically(s or f, write)
    return stripped


# Ultralytics' check_amp downloads yolo26n.pt, and its strip_optimizer rewrites checkpoints in place; the trainer
# module looks both names up at call time.
ultralytics_trainer.check_amp = local_amp_check
ultralytics_trainer.strip_optimizer = strip_optimizer_atomically

if RANK != -1:  # a DDP worker (this module is imported when the worker unpickles the trainer class)
    lifeline.watch_launcher()


class ExperimentTrainer(DetectionTrainer):
    """DetectionTrainer for the variant of one request (read from the environment)."""

    def __init__(self, cfg=None, overrides: dict | None = None, _callbacks=None):
        self.request = TrainRequest.from_env()
        self.qat_settings = QatSettings.from_dict(self.request.qat) if self.request.qat is not None else None
        self.distill = DistillSettings.from_request(self.request.distill)
        self.quant_report: QuantReport | None = None
        self.weight_quant: BatchedWeightQuant | None = None
        self.clipped_parameters = ParameterCache()
        self.events = RunEvents(self.request.variant)
        watch = self.request.collapse_watch
        self.collapse_watch = CollapseWatch(CollapseWatchSettings(**watch)) if watch else None
        self.code_changes: CodeChangeMeter | None = None
        self._pipeline_batch: int | None = None  # the batch the train loader was last built for
        # Seconds of the current epoch spent outside the training loop (validation, checkpoint writes); the progress
        # reporter adds them to the run's totals and prints them at the epoch's end (the cost the speed issue bounds).
        self.out_of_loop = {"validationSeconds": 0.0, "checkpointSeconds": 0.0}
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
            self.weight_quant = BatchedWeightQuant.install(self.model, verbose=RANK in {-1, 0})
            if RANK in {-1, 0}:
                self.code_changes = CodeChangeMeter(self.weight_quant)
                print(f"QAT: weight quantization batched over {len(self.weight_quant.names)} layers "
                      "(checked against Brevitas at the first training batch)", flush=True)
        return ckpt

    def _setup_train(self):
        super()._setup_train()
        if RANK in {-1, 0}:
            if self.code_changes is not None:
                self.code_changes.reset(unwrap_model(self.model))  # the first epoch's share is against these weights
            if self.collapse_watch is not None:
                for epoch, value in read_results_column(self.csv, MAP_COLUMN):  # a resumed run's streak goes on
                    self.collapse_watch.observe(epoch, value)
        # After Ultralytics' setup, which gives a resumed run its criterion with the head-weight schedule where it was.
        if install_distillation(unwrap_model(self.model), self.distill, self.device) and RANK in {-1, 0}:
            print(f"Distillation: FP16 teacher {self.distill.teacher}, weight {self.distill.weight}, "
                  f"temperature {self.distill.temperature}", flush=True)
        if not self.request.cuda_graphs:
            return
        graph, why_not = should_graph(self.device, RANK, bool(self.args.multi_scale), distilling=self.distill is not None)
        if graph:
            self.model = GraphedTraining(self.model, loss_graphs=LOSS_GRAPHS)  # captured at the first training batch
            # First in line, so TensorBoard's and the progress reporter's epoch-end callbacks read the exact mean.
            self.callbacks["on_train_epoch_start"].insert(0, _start_loss_items)
            self.callbacks["on_train_epoch_end"].insert(0, _exact_epoch_losses)
        if RANK in {-1, 0}:
            what = "forward, backward and loss replayed" if LOSS_GRAPHS else "forward and backward replayed"
            print(f"CUDA graphs: {'on (' + what + ')' if graph else 'off: ' + why_not}", flush=True)

    def preprocess_batch(self, batch):
        if isinstance(self.model, GraphedTraining) and self.model.loss_graphs:
            stage_targets(batch)  # the boxes padded on the CPU, before the copy to the GPU (yolo_py/graphed_loss.py)
        return super().preprocess_batch(batch)

    def _build_train_pipeline(self):
        """Ultralytics builds the train loader here at setup, and again after halving the batch on an OOM."""
        previous, self._pipeline_batch = self._pipeline_batch, self.batch_size
        if previous is not None and previous != self.batch_size:
            graphed = isinstance(self.model, GraphedTraining)
            if graphed:
                # The capture at the old batch would never replay again (every batch would run eager, slower, for
                # the rest of the run) and would keep its memory: drop it, so the next batch captures anew.
                self.model.release()
                gc.collect()
                torch.cuda.empty_cache()
            if RANK in {-1, 0}:
                self.events.record(
                    "batchReduced",
                    self.epoch + 1,
                    f"out of GPU memory at batch {previous} in epoch {self.epoch + 1}: training goes on at batch "
                    f"{self.batch_size}{' (CUDA graphs captured again at that batch)' if graphed else ''}. "
                    "Set batch in conf/train.yaml to what fits to keep the recipe's batch",
                )
        super()._build_train_pipeline()

    def _build_model(self):
        resume_from = self.request.resume_from
        if not resume_from:  # a fine-tune's first session starts from the FP16 weights, a resumed one from its last.pt
            start = fp16_start_state(self.request.fine_tune) if self.request.fine_tune else None
            self.model = self.get_model(cfg=self.request.model, weights=None, verbose=RANK in {-1, 0}, start=start)
            return None
        if self.qat_settings is not None:
            model, ckpt = self._read_quant_checkpoint(resume_from)
            self.model = self._attach(model)
            self.quant_report = quant_report(model)
        else:
            weights, ckpt = load_checkpoint(resume_from)
            self.model = self.get_model(cfg=weights.yaml, weights=weights, verbose=RANK in {-1, 0})
        if RANK in {-1, 0} and ckpt.get("epoch", -1) >= 0:  # -1: a finished, stripped checkpoint (see train.py)
            truncate_results(self.csv, last_epoch=ckpt["epoch"] + 1)
        return ckpt

    def _read_quant_checkpoint(self, path) -> tuple[DetectionModel, dict[str, Any]]:
        """The model of a QAT checkpoint, and its training state with the weights as 'ema_state'."""
        model, _, extra = load_quant_checkpoint(path)
        return model, {**extra, "ema_state": model.state_dict()}

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

    # --- per-epoch watch ----------------------------------------------------------------------------------
    def validate(self):
        """Ultralytics' validation, plus the QAT code-change share (a results.csv and TensorBoard column) and
        the collapse watch, which reads the epoch's mAP."""
        started = time.perf_counter()
        metrics, fitness = super().validate()
        self.out_of_loop["validationSeconds"] += time.perf_counter() - started
        if metrics is not None and RANK in {-1, 0}:
            if self.code_changes is not None:
                metrics[CODE_CHANGE_COLUMN] = self.code_changes.share_changed(unwrap_model(self.model))
            if self.collapse_watch is not None and MAP_COLUMN in metrics:
                warning = self.collapse_watch.observe(self.epoch + 1, float(metrics[MAP_COLUMN]))
                if warning:
                    self.events.record("collapse", self.epoch + 1, warning)
        return metrics, fitness

    def label_loss_items(self, loss_items=None, prefix="train"):
        """Ultralytics' labelled loss items, less the distillation item for validation: the validator runs the EMA
        without the teacher, so it has no term to report, and a 0 would read as a perfect match."""
        items = super().label_loss_items(loss_items, prefix)
        if prefix != "val" or self.distill is None:
            return items
        dropped = f"{prefix}/{DISTILL_LOSS}"
        return [k for k in items if k != dropped] if isinstance(items, list) else {k: v for k, v in items.items() if k != dropped}

    def save_metrics(self, metrics):
        # A run begun before results.csv had the code-change column keeps the columns its header names.
        if CODE_CHANGE_COLUMN in metrics and self.csv.exists():
            with open(self.csv, encoding="utf-8") as f:
                if CODE_CHANGE_COLUMN not in f.readline():
                    metrics = {k: v for k, v in metrics.items() if k != CODE_CHANGE_COLUMN}
        super().save_metrics(metrics)

    def _handle_nan_recovery(self, epoch):
        """Ultralytics redoes a NaN epoch from last.pt with its own loader, which cannot read QAT checkpoints, and
        not in a session's first epoch. Here: both variants through the project's loaders, at any epoch a last.pt
        exists (a resumed session's first epoch resumed from it), also when the weights went non-finite with a
        finite loss; with no checkpoint yet and non-finite weights, the run stops rather than train on NaN."""
        reason = self._non_finite_reason() if RANK in {-1, 0} else None
        if RANK != -1:  # every rank takes rank 0's decision
            shared = [reason]
            dist.broadcast_object_list(shared, 0)
            reason = shared[0]
        if reason is None:
            return False
        where = f"{reason} in epoch {epoch + 1}"
        if not self.last.exists():
            if "weights" in reason:
                raise TrainingDiverged(f"{where}, before any checkpoint: there is nothing to go back to. Lower lr0 (hyps) or check the data")
            print(f"[{self.request.variant}] WARNING: {where}, before any checkpoint; the weights are finite, training goes on", flush=True)
            return False
        self.nan_recovery_attempts += 1
        if self.nan_recovery_attempts > NAN_RECOVERY_ATTEMPTS:
            raise TrainingDiverged(f"{where}: still not finite after {NAN_RECOVERY_ATTEMPTS} recoveries from {self.last.name}")
        if RANK in {-1, 0}:
            self.events.record(
                "nanRecovery", epoch + 1,
                f"{where}: epoch {epoch + 1} is trained again from {self.last.name} "
                f"(attempt {self.nan_recovery_attempts}/{NAN_RECOVERY_ATTEMPTS})",
            )
        self._model_train()  # as Ultralytics: train mode first, so no inference tensors meet the load
        if self.qat_settings is not None:
            _, ckpt = self._read_quant_checkpoint(self.last)
            weights = ckpt["ema_state"]
        else:
            _, ckpt = load_checkpoint(self.last)
            weights = ckpt["ema"].float().state_dict()
        unwrap_model(self.model).load_state_dict(weights)  # in place: CUDA graphs keep reading the same tensors
        if ckpt.get("optimizer") is None:  # a finished run's stripped checkpoint: the poisoned momentum must go too
            self.optimizer.state.clear()
        self._load_checkpoint_state(ckpt)
        self.scheduler.last_epoch = epoch - 1
        if self.code_changes is not None:
            self.code_changes.reset(unwrap_model(self.model))
        return True

    def _non_finite_reason(self) -> str | None:
        # Weights first: non-finite weights with no checkpoint to go back to stop the run, a lone loss does not.
        bad = first_non_finite(named_tensors(unwrap_model(self.model), "model")) or first_non_finite(
            named_tensors(self.ema.ema, "ema")
        )
        if bad:
            return f"non-finite weights ({bad})"
        if self.loss is not None and not bool(torch.isfinite(self.loss).all()):
            return "a non-finite loss"
        if self.fitness is not None and not np.isfinite(self.fitness):
            return "a non-finite validation fitness"
        return None

    # --- model --------------------------------------------------------------------------------------------
    def get_model(self, cfg=None, weights=None, verbose=True, start: dict[str, torch.Tensor] | None = None):
        model = DetectionModel(cfg, nc=self.data["nc"], ch=self.data["channels"], verbose=verbose and RANK == -1)
        if weights:
            model.load(weights)
        if start is not None:  # before quantizing: the quantizers' scales come from these weights
            load_start(model, start, self.request.fine_tune["init_from"])
            if verbose:
                print(f"fine-tune: starting from {self.request.fine_tune['init_from']} (EMA weights)", flush=True)
        if self.qat_settings is not None:
            self.quant_report = quantize_model(model, self.qat_settings)
            if verbose:
                r = self.quant_report
                print(f"QAT: {r.quantized_convs} Conv2d -> QuantConv2d ({r.bit_width_summary()}), "
                      f"kept float: {', '.join(r.float_conv_names) or 'none'}", flush=True)
        return model

    def _attach(self, model: DetectionModel) -> DetectionModel:
        model.nc = self.data["nc"]
        model.names = self.data["names"]
        model.args = self.args
        return model

    # --- checkpoints --------------------------------------------------------------------------------------
    def save_model(self):
        """Every checkpoint file is written whole (temp file, fsync, rename) and only with finite numbers."""
        bad = first_non_finite([*named_tensors(self.ema.ema, "ema"), *named_tensors(self.optimizer.state_dict()["state"], "optimizer")])
        if bad is not None:  # NaN recovery runs first, so this is a bug, never a checkpoint to keep
            raise TrainingDiverged(f"refusing to write {self.last.name} after epoch {self.epoch + 1}: {bad} is not finite")
        started = time.perf_counter()
        if self.qat_settings is None:
            self._save_ultralytics_checkpoints()
        else:
            self._save_quant_checkpoints()
        epoch_number = self.epoch + 1  # 1-based: epoch5.pt is written after the fifth epoch
        if self.request.save_period > 0 and epoch_number % self.request.save_period == 0:
            copy_atomically(self.last, self.wdir / f"epoch{epoch_number}.pt")
        self.out_of_loop["checkpointSeconds"] += time.perf_counter() - started
        return True

    def _save_ultralytics_checkpoints(self) -> None:
        """Ultralytics' FP16 checkpoints, which it writes in place: here into staged names, then renamed."""
        final = {"last": self.last, "best": self.best}
        staged = {name: temp_path_for(path) for name, path in final.items()}
        self.last, self.best = staged["last"], staged["best"]
        try:
            super().save_model()
            for name in ("last", "best"):  # last.pt first: it is what a resume reads
                if staged[name].exists():
                    publish(staged[name], final[name])
        finally:
            self.last, self.best = final["last"], final["best"]
            for path in staged.values():
                path.unlink(missing_ok=True)

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
            copy_atomically(self.last, self.best)

    def finish_without_training(self) -> None:
        """The run was stopped after its last epoch's checkpoint but before the final validation of best.pt (minutes
        on COCO): that validation and the final checkpoint rewrite alone, as the end of train() would do them."""
        self.epoch = self.epochs - 1
        self.setup_model()  # the val loader takes the model's stride
        self.test_loader = self.get_dataloader(self.data["val"], batch_size=self.batch_size * 2, rank=-1, mode="val")
        self.validator = self.get_validator()
        self.final_eval()
        self.run_callbacks("on_train_end")

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


def _start_loss_items(trainer: ExperimentTrainer) -> None:
    if isinstance(trainer.model, GraphedTraining):
        trainer.model.loss_items.start_epoch()


def _exact_epoch_losses(trainer: ExperimentTrainer) -> None:
    """What the graphed loop hands Ultralytics back at the epoch's end (yolo_py/deferred_loss_items.py): the epoch's
    mean loss items over every batch, in place of the running mean of the one-batch-late items the loop kept, and the
    last items on the training device, where Ultralytics' validator sums its losses (zeros_like(trainer.loss_items)),
    in place of their CPU copies."""
    if not isinstance(trainer.model, GraphedTraining):
        return
    mean = trainer.model.loss_items.epoch_mean()
    if mean is not None:
        trainer.tloss = mean
    items = getattr(trainer, "loss_items", None)
    if items is not None:
        trainer.loss_items = {k: v.to(trainer.device) for k, v in items.items()}


def read_results_column(csv: Path, column: str) -> list[tuple[int, float]]:
    """(epoch, value) of one results.csv column, [] without the file or the column."""
    if not csv.exists():
        return []
    header, *rows = csv.read_text().splitlines()
    names = [name.strip() for name in header.split(",")]
    if column not in names:
        return []
    at = names.index(column)
    return [(int(float(cells[0])), float(cells[at])) for cells in (row.split(",") for row in rows if row.strip())]


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
