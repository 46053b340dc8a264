"""Does a resumed session on the GPU continue from the state its checkpoint was written in? (issue 25)

The CPU test tests/test_long_runs.py::test_a_resumed_session_continues_from_the_state_the_checkpoint_was_written_in
cannot reach what only a GPU run has: AMP's GradScaler, fused SGD, CUDA graphs. This runs yolo_py.train in this
process on the GPU (CUDA graphs and AMP on, as the gpu profile), snapshots the training state when epoch N's
checkpoint is written, resumes a copy of that checkpoint in a second save dir, snapshots again at the start of the
resumed session, and prints every difference. Patching from outside, as the tests do.

    python3 tools/bench/gpu/faults/resume_state.py <data-dir> <work-dir> [variant ...]

<data-dir> holds data.yaml and hyps.json (tools/bench/gpu/prepare-data.ts). A CPU smoke run of the script's own
logic: RESUME_CHECK_DEVICE=cpu RESUME_CHECK_IMGSZ=64 RESUME_CHECK_BATCH=4 (no graphs, no AMP there).
"""

from __future__ import annotations

import json
import os
import shutil
import sys
from pathlib import Path

import torch

from yolo_py import lifeline, train
from yolo_py.request import TRAIN_REQUEST_ENV
from yolo_py.trainer import ExperimentTrainer, unwrap_model

CHECKPOINT_EPOCH = 3
QAT = {"weight_bit_width": 4, "per_channel": True, "narrow_range": True, "keep_float": ["*.dfl.conv"], "layers": []}


class StopAtTrainingStart(BaseException):
    pass


def state(trainer) -> dict:
    return {
        "model": {k: v.detach().float().clone() for k, v in unwrap_model(trainer.model).state_dict().items() if v.is_floating_point()},
        "ema": {k: v.detach().float().clone() for k, v in trainer.ema.ema.state_dict().items() if v.is_floating_point()},
        "momentum": {k: s["momentum_buffer"].detach().float().clone() for k, s in trainer.optimizer.state_dict()["state"].items()
                     if s.get("momentum_buffer") is not None},
        "groups": [{k: v for k, v in g.items() if k not in ("params",)} for g in trainer.optimizer.param_groups],
        "updates": trainer.ema.updates,
        "scheduler_epoch": trainer.scheduler.last_epoch,
        "scaler": trainer.scaler.state_dict() if trainer.scaler is not None else None,
    }


def run(request: Path, config: Path) -> int:
    os.environ[TRAIN_REQUEST_ENV] = str(request)
    os.environ[lifeline.LAUNCHER_PID_ENV] = "0"
    lifeline.die_with_parent = lambda: None
    return train.main([str(request), str(config)])


def compare(variant: str, written: dict, resumed: dict) -> list[str]:
    lines = []
    for part in ("ema", "momentum"):
        stored = (lambda t: t) if variant == "qat" else (lambda t: t.half().float())
        diffs = {k: float((resumed[part][k] - stored(v)).abs().max()) for k, v in written[part].items() if k in resumed[part]}
        bad = {k: d for k, d in diffs.items() if d > 0}
        missing = sorted(set(written[part]) ^ set(resumed[part]))
        lines.append(f"{variant} {part}: {len(diffs)} tensors, {len(bad)} differ from the stored values"
                     f"{' (largest ' + str(max(bad.values())) + ' on ' + max(bad, key=bad.get) + ')' if bad else ''}; keys only on one side: {missing[:3]}")
    model_vs_ema = max(float((resumed["model"][k] - resumed["ema"][k]).abs().max()) for k in resumed["ema"] if k in resumed["model"])
    written_model_vs_ema = max(float((written["model"][k] - written["ema"][k]).abs().max()) for k in written["ema"] if k in written["model"])
    lines.append(f"{variant} weights trained on: resumed model vs its EMA max |diff| {model_vs_ema:.3g}; at the write, model vs EMA {written_model_vs_ema:.3g}")
    for key in ("groups", "updates", "scheduler_epoch", "scaler"):
        same = written[key] == resumed[key]
        lines.append(f"{variant} {key}: {'same' if same else 'DIFFERENT'}" + ("" if same else f": written {written[key]} resumed {resumed[key]}"))
    return lines


def main(argv: list[str]) -> int:
    data, work, *variants = argv
    data, work = Path(data), Path(work)
    hyps = json.loads((data / "hyps.json").read_text())
    report = []
    for variant in variants or ["fp16", "qat"]:
        states: dict = {}
        body = {"variant": variant, "model": "yolov10n.yaml", "data": str(data / "data.yaml"), "save_dir": str(work / variant),
                "epochs": CHECKPOINT_EPOCH + 2, "batch": int(os.environ.get("RESUME_CHECK_BATCH", 32)),
                "imgsz": int(os.environ.get("RESUME_CHECK_IMGSZ", 256)), "seed": 0, "optimizer": "SGD", "amp": True,
                "close_mosaic": 0, "save_period": 1, "device": os.environ.get("RESUME_CHECK_DEVICE", "0"), "workers": 4, "cuda_graphs": True, "hyps": hyps,
                "qat": QAT if variant == "qat" else None, "resume_from": None, "val_head": "one2one", "collapse_watch": None, "distill": None, "fine_tune": None}
        request = work / f"{variant}.request.json"
        work.mkdir(parents=True, exist_ok=True)
        request.write_text(json.dumps(body))
        real_save, real_setup = ExperimentTrainer.save_model, ExperimentTrainer._setup_train

        def save(self, real_save=real_save, states=states, variant=variant):
            real_save(self)
            if self.epoch + 1 == CHECKPOINT_EPOCH and "written" not in states:
                states["written"] = state(self)
                shutil.copy(Path(self.save_dir) / "weights" / "last.pt", work / f"{variant}-epoch{CHECKPOINT_EPOCH}.pt")

        ExperimentTrainer.save_model = save
        assert run(request, work / "cfg") == 0
        ExperimentTrainer.save_model = real_save

        def setup_then_stop(self, real_setup=real_setup, states=states):
            real_setup(self)
            states["resumed"] = state(self)
            raise StopAtTrainingStart()

        ExperimentTrainer._setup_train = setup_then_stop
        request.write_text(json.dumps({**body, "save_dir": str(work / f"{variant}-resumed"), "resume_from": str(work / f"{variant}-epoch{CHECKPOINT_EPOCH}.pt")}))
        try:
            run(request, work / "cfg")
        except StopAtTrainingStart:
            pass
        ExperimentTrainer._setup_train = real_setup
        lines = compare(variant, states["written"], states["resumed"])
        print("\n".join(lines), flush=True)  # each variant's verdict as soon as it is known
        report += lines
    print("\n".join(["", "all variants:", *report]), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
