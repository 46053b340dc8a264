"""The QAT fine-tune (qat-ft) on the CPU: it starts from the FP16 checkpoint's EMA weights, quantized with the QAT
settings, at lr0 * lr_scale with warmup off; a killed fine-tune resumes from its own last.pt, never from FP16 again;
a start checkpoint that is missing or not the request's is refused before training."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
import torch

from test_long_runs import killed_after_checkpoint, write_request
from train_support import resume, results_epochs, run_json, train_here
from yolo_py.exit_codes import EXIT_BAD_INPUT
from yolo_py.files import sha256_of
from yolo_py.trainer import ExperimentTrainer
from ultralytics.nn.tasks import DetectionModel
from ultralytics.utils.torch_utils import unwrap_model


@pytest.fixture(scope="module")
def fp16_best(tmp_path_factory, tiny_dataset, yolo_config_dir) -> Path:
    """train-fp16's best.pt: one epoch of the FP16 variant, trained once for the module."""
    tmp_path = tmp_path_factory.mktemp("fp16")
    with pytest.MonkeyPatch.context() as patch:
        assert train_here(patch, write_request(tmp_path, tiny_dataset, "fp16", epochs=1), yolo_config_dir) == 0
    return tmp_path / "fp16" / "weights" / "best.pt"


def fine_tune_request(tmp_path: Path, data_yaml: Path, fp16_best: Path, epochs: int = 2, lr_scale: float = 0.1) -> Path:
    start = {"init_from": str(fp16_best), "init_sha256": sha256_of(fp16_best), "lr_scale": lr_scale}
    return write_request(tmp_path, data_yaml, "qat-ft", epochs, fine_tune=start)


def ema_state(path: Path) -> dict[str, torch.Tensor]:
    from ultralytics.nn.tasks import load_checkpoint

    model, _ = load_checkpoint(path, device="cpu")
    return {k: v.float() for k, v in model.state_dict().items()}


class StopAtTrainingStart(BaseException):
    pass


def test_the_fine_tune_starts_from_the_fp16_ema_weights_quantized_at_the_scaled_lr_without_warmup(
    tmp_path, tiny_dataset, yolo_config_dir, fp16_best, monkeypatch
):
    seen, real_setup = {}, ExperimentTrainer._setup_train

    def setup_then_stop(self):
        real_setup(self)
        seen["state"] = {k: v.detach().clone() for k, v in unwrap_model(self.model).state_dict().items()}
        seen["quantized"] = self.weight_quant is not None and self.quant_report.quantized_convs
        seen["args"] = (self.args.lr0, self.args.warmup_epochs, self.epochs)
        raise StopAtTrainingStart()

    monkeypatch.setattr(ExperimentTrainer, "_setup_train", setup_then_stop)
    with pytest.raises(StopAtTrainingStart):
        train_here(monkeypatch, fine_tune_request(tmp_path, tiny_dataset, fp16_best, lr_scale=0.05), yolo_config_dir)

    fp16 = ema_state(fp16_best)
    assert seen["quantized"] > 50, "the model was quantized with the QAT settings before training"
    start = seen["state"]
    assert set(fp16) <= set(start)
    for name, tensor in fp16.items():
        assert torch.equal(start[name].float(), tensor), f"{name} is not the FP16 checkpoint's EMA weight"
    # A freshly built model differs from the FP16 one: the check above could not pass by building the model alone.
    fresh = DetectionModel("yolov10n.yaml", nc=2, verbose=False).state_dict()
    assert any(not torch.equal(fresh[n], t) for n, t in fp16.items() if n.endswith("conv.weight"))
    lr0, warmup, epochs = seen["args"]
    assert lr0 == pytest.approx(0.01 * 0.05) and warmup == 0 and epochs == 2


def test_a_killed_fine_tune_resumes_from_its_own_checkpoint_never_from_fp16(tmp_path, tiny_dataset, yolo_config_dir, fp16_best, monkeypatch):
    start = tmp_path / "start" / "best.pt"  # a copy, so the test can take it away
    start.parent.mkdir()
    shutil.copy(fp16_best, start)
    request = fine_tune_request(tmp_path, tiny_dataset, start, epochs=2)
    killed_after_checkpoint(monkeypatch, request, yolo_config_dir, epoch=1)
    save_dir = tmp_path / "qat-ft"
    written = torch.load(save_dir / "weights" / "last.pt", weights_only=True)
    assert written["format"] == "yolo_py.quant-checkpoint" and written["extra"]["epoch"] == 0

    start.unlink()  # had the resume started from the FP16 checkpoint again, it would fail on the missing file
    seen, real_setup = {}, ExperimentTrainer._setup_train

    def setup(self):
        real_setup(self)
        seen["start_epoch"] = self.start_epoch

    monkeypatch.setattr(ExperimentTrainer, "_setup_train", setup)
    assert train_here(monkeypatch, resume(request), yolo_config_dir) == 0
    assert seen["start_epoch"] == 1, "epoch 2 of 2 trained after the resume"
    assert results_epochs(save_dir) == [1, 2]
    run = run_json(save_dir)
    assert run["variant"] == "qat-ft" and run["sessions"] == 2 and run["epochsCompleted"] == 2
    assert run["quantization"]["quantizedConvs"] > 50 and run["fineTune"]["initFrom"] == str(start)


def test_a_start_checkpoint_that_is_not_the_requests_is_refused_before_training(tmp_path, tiny_dataset, yolo_config_dir, fp16_best, monkeypatch, capsys):
    request = fine_tune_request(tmp_path, tiny_dataset, fp16_best)
    body = json.loads(request.read_text())
    body["fine_tune"]["init_sha256"] = "0" * 64
    request.write_text(json.dumps(body))
    assert train_here(monkeypatch, request, yolo_config_dir) == EXIT_BAD_INPUT
    assert "not the request's init_sha256" in capsys.readouterr().err
    assert not (tmp_path / "qat-ft" / "weights").exists()


def test_a_fine_tune_request_needs_its_start_and_the_qat_settings(tmp_path, tiny_dataset, fp16_best):
    from yolo_py.request import TrainRequest

    with pytest.raises(ValueError, match="'fine_tune' must be given exactly when variant is 'qat-ft'"):
        TrainRequest.from_file(write_request(tmp_path, tiny_dataset, "qat-ft", 1))
    with pytest.raises(ValueError, match="'fine_tune' must be given exactly"):
        TrainRequest.from_file(write_request(tmp_path, tiny_dataset, "qat", 1, fine_tune={"init_from": "x", "init_sha256": "0" * 64, "lr_scale": 0.1}))
