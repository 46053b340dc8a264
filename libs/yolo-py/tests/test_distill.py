"""Distillation from the FP16 teacher (yolo_py/distill.py): the term by hand on a tiny case, the loss unchanged bit for
bit when off and plain + weight * term when on, and a missing or changed teacher refused naming the file."""

import copy
import hashlib
import json
import math

import pytest
import torch
from torch import nn
from ultralytics.cfg import get_cfg
from ultralytics.nn.tasks import DetectionModel

from yolo_py.distill import DISTILL_LOSS, DistilledLoss, DistillSettings, distillation_term, install_distillation, load_teacher, teacher_problem
from yolo_py.exit_codes import EXIT_BAD_INPUT
from train_support import write_request, train_here


def _sigmoid(x: float) -> float:
    return 1 / (1 + math.exp(-x))


def _softmax(xs: list[float]) -> list[float]:
    e = [math.exp(x) for x in xs]
    return [v / sum(e) for v in e]


def _outputs(boxes: list, scores: list) -> dict:
    """One branch's raw output for one image: boxes [4 sides][2 bins][anchors], scores [1 class][anchors]."""
    return {"boxes": torch.tensor(boxes).reshape(1, 8, -1), "scores": torch.tensor(scores).reshape(1, 1, -1)}


# Two anchors, one class, reg_max 2: small enough to write the term out by hand.
STUDENT = {
    "one2many": _outputs([[[0.2, -0.1], [0.5, 0.0]], [[1.0, 0.3], [0.0, 0.0]], [[-0.4, 0.1], [0.2, 0.6]], [[0.3, 0.3], [0.9, -0.2]]], [[0.5, -1.0]]),
    "one2one": _outputs([[[0.0, 0.4], [0.1, 0.1]], [[0.7, -0.3], [0.2, 0.5]], [[0.0, 0.0], [-0.5, 0.4]], [[0.6, 0.1], [0.3, 0.3]]], [[-0.2, 0.8]]),
}
TEACHER = {
    "one2many": _outputs([[[0.9, -0.6], [0.1, 0.4]], [[0.2, 0.2], [0.5, -0.5]], [[0.3, 0.0], [0.0, 0.9]], [[-0.2, 0.5], [0.4, 0.1]]], [[1.5, -2.0]]),
    "one2one": _outputs([[[0.3, 0.1], [-0.4, 0.6]], [[0.0, 0.0], [0.8, 0.2]], [[0.5, -0.5], [0.1, 0.0]], [[0.2, 0.9], [0.0, 0.7]]], [[0.4, 2.5]]),
}
T = 2.0


def _by_hand(student: dict, teacher: dict, temperature: float) -> float:
    terms = []
    for branch in ("one2many", "one2one"):
        s_box, t_box = student[branch]["boxes"].reshape(4, 2, 2).tolist(), teacher[branch]["boxes"].reshape(4, 2, 2).tolist()
        s_cls, t_cls = student[branch]["scores"].reshape(2).tolist(), teacher[branch]["scores"].reshape(2).tolist()
        num = den = 0.0
        for a in range(2):
            w = _sigmoid(t_cls[a])  # one class: the teacher's largest score is its only one
            p, q = _sigmoid(t_cls[a] / temperature), _sigmoid(s_cls[a] / temperature)
            cls_kl = p * math.log(p / q) + (1 - p) * math.log((1 - p) / (1 - q))
            box_kl = 0.0
            for side in range(4):
                pt = _softmax([t_box[side][k][a] / temperature for k in range(2)])
                ps = _softmax([s_box[side][k][a] / temperature for k in range(2)])
                box_kl += sum(pt[k] * math.log(pt[k] / ps[k]) for k in range(2))
            num += w * temperature**2 * (cls_kl + box_kl)
            den += w
        terms.append(num / den)
    return sum(terms) / 2


def test_the_term_by_hand_on_a_tiny_case():
    assert distillation_term(STUDENT, TEACHER, T).item() == pytest.approx(_by_hand(STUDENT, TEACHER, T), rel=1e-5)
    assert distillation_term(STUDENT, TEACHER, 5.0).item() == pytest.approx(_by_hand(STUDENT, TEACHER, 5.0), rel=1e-5)
    assert distillation_term(TEACHER, TEACHER, T).item() == pytest.approx(0.0, abs=1e-6)  # nothing to learn from itself


def test_a_teacher_of_another_shape_is_refused():
    other = copy.deepcopy(TEACHER)
    other["one2one"]["scores"] = torch.zeros(1, 2, 2)
    with pytest.raises(ValueError, match="one2one head's scores: \\(1, 2, 2\\) vs \\(1, 1, 2\\).*same model YAML"):
        distillation_term(STUDENT, other, T)


class _Teacher(nn.Module):
    """Returns TEACHER as a model in eval mode does: (decoded output, raw outputs)."""

    def __init__(self) -> None:
        super().__init__()
        self.scale = nn.Parameter(torch.ones(()), requires_grad=False)

    def forward(self, images):
        return torch.zeros(len(images), 300, 6), {b: {k: v * self.scale for k, v in o.items()} for b, o in TEACHER.items()}


class _Plain:
    def __init__(self) -> None:
        self.updates = 0

    def __call__(self, preds, batch):
        loss = torch.tensor([1.25, 2.5, 0.75])
        return loss, {"box_loss": loss[0] / 2, "cls_loss": loss[1] / 2, "dfl_loss": loss[2] / 2}

    def update(self) -> None:
        self.updates += 1


def test_on_the_loss_is_the_plain_loss_plus_weight_times_the_term():
    settings = DistillSettings(teacher="t.pt", teacher_sha256="0" * 64, weight=0.5, temperature=T)
    plain = _Plain()
    criterion = DistilledLoss(plain, _Teacher(), settings)
    batch = {"img": torch.zeros(2, 3, 8, 8)}  # 2 images: Ultralytics' loss is the per-image loss times the batch size
    student = {b: {k: v.clone().requires_grad_() for k, v in o.items()} for b, o in STUDENT.items()}
    loss, items = criterion(student, batch)
    plain_loss, plain_items = plain(student, batch)
    term = _by_hand(STUDENT, TEACHER, T)
    assert torch.equal(loss[:3], plain_loss)  # the plain loss, bit for bit
    assert loss[3].item() == pytest.approx(0.5 * term * 2, rel=1e-5)
    assert loss.sum().item() == pytest.approx(plain_loss.sum().item() + 0.5 * term * 2, rel=1e-6)
    assert {k: v for k, v in items.items() if k != DISTILL_LOSS} == plain_items
    assert items[DISTILL_LOSS].item() == pytest.approx(0.5 * term, rel=1e-5) and not items[DISTILL_LOSS].requires_grad
    loss.sum().backward()
    assert student["one2one"]["boxes"].grad is not None and student["one2many"]["scores"].grad.abs().sum() > 0
    criterion.update()
    assert plain.updates == 1  # Ultralytics' per-epoch head-weight schedule still reaches E2ELoss
    assert isinstance(copy.deepcopy(criterion), _Plain)  # the EMA copy validates with the plain loss, no teacher


def _tiny_model(seed: int) -> DetectionModel:
    torch.manual_seed(seed)
    model = DetectionModel("yolov10n.yaml", nc=2, verbose=False).train()
    model.args = get_cfg()  # what the trainer attaches: the loss gains and the schedule
    return model


def _batch() -> dict:
    return {
        "img": torch.rand(2, 3, 64, 64, generator=torch.Generator().manual_seed(0)),
        "batch_idx": torch.tensor([0.0, 1.0, 1.0]),
        "cls": torch.tensor([[0.0], [1.0], [0.0]]),
        "bboxes": torch.tensor([[0.5, 0.5, 0.4, 0.3], [0.3, 0.4, 0.2, 0.2], [0.7, 0.6, 0.3, 0.5]]),
    }


@pytest.fixture(scope="module")
def teacher_file(tmp_path_factory):
    path = tmp_path_factory.mktemp("teacher") / "best.pt"
    teacher = _tiny_model(1).eval()
    torch.save({"model": None, "ema": copy.deepcopy(teacher).half()}, path)  # as Ultralytics' best.pt holds the EMA
    return path, hashlib.sha256(path.read_bytes()).hexdigest()


def test_off_the_model_loss_is_the_plain_loss_bit_for_bit():
    plain, off = _tiny_model(0), _tiny_model(0)
    assert install_distillation(off, None, torch.device("cpu")) is None
    expected, expected_items = plain.loss(_batch())
    loss, items = off.loss(_batch())
    assert torch.equal(loss, expected)
    assert items.keys() == expected_items.keys() and all(torch.equal(items[k], expected_items[k]) for k in items)


def test_on_a_yolov10_model_adds_exactly_the_term_between_its_outputs_and_the_teachers(teacher_file):
    path, sha256 = teacher_file
    settings = DistillSettings(teacher=str(path), teacher_sha256=sha256, weight=0.25, temperature=4.0)
    plain, distilled = _tiny_model(0), _tiny_model(0)
    criterion = install_distillation(distilled, settings, torch.device("cpu"))
    assert distilled.criterion is criterion and not any(p.requires_grad for p in criterion.teacher.parameters())
    assert not criterion.teacher.training
    batch = _batch()
    expected, _ = plain.loss(batch)
    loss, items = distilled.loss(batch)
    assert torch.equal(loss[:3], expected)
    with torch.no_grad():
        term = distillation_term(distilled(batch["img"]), criterion.teacher(batch["img"])[1], 4.0)
    assert loss[3].item() == pytest.approx(0.25 * term.item() * 2, rel=1e-5) and term.item() > 0
    assert items[DISTILL_LOSS].item() == pytest.approx(0.25 * term.item(), rel=1e-5)


def test_a_missing_or_changed_teacher_is_named(tmp_path, teacher_file):
    missing = DistillSettings(teacher=str(tmp_path / "fp16" / "weights" / "best.pt"), teacher_sha256="0" * 64, weight=1, temperature=1)
    assert teacher_problem(missing) == (
        f"{tmp_path}/fp16/weights/best.pt: the distillation teacher (train-fp16's best.pt) does not exist: "
        "train the FP16 model first (stage train-fp16)"
    )
    with pytest.raises(ValueError, match="does not exist"):
        load_teacher(missing, torch.device("cpu"))
    changed = DistillSettings(teacher=str(teacher_file[0]), teacher_sha256="0" * 64, weight=1, temperature=1)
    assert "changed since this run's request was written" in teacher_problem(changed)
    with pytest.raises(ValueError, match="'temperature' must be a number > 0, got 0"):
        DistillSettings(teacher="t.pt", teacher_sha256="0" * 64, weight=1, temperature=0)


def test_the_training_refuses_a_missing_teacher_before_any_work(tmp_path, tiny_dataset, yolo_config_dir, monkeypatch, capsys):
    teacher = tmp_path / "fp16" / "weights" / "best.pt"
    distill = {"teacher": str(teacher), "teacher_sha256": "0" * 64, "weight": 1.0, "temperature": 10.0}
    request = write_request(tmp_path, tiny_dataset, "qat", epochs=1, distill=distill)
    assert train_here(monkeypatch, request, yolo_config_dir) == EXIT_BAD_INPUT
    assert f"{teacher}: the distillation teacher (train-fp16's best.pt) does not exist" in capsys.readouterr().err
    assert not (tmp_path / "qat" / "weights").exists()
    fp16 = write_request(tmp_path, tiny_dataset, "fp16", epochs=1, distill=distill)
    assert train_here(monkeypatch, fp16, yolo_config_dir) == EXIT_BAD_INPUT
    assert "request 'distill' is for a QAT training" in capsys.readouterr().err


def test_a_distilled_qat_epoch_reports_its_term_and_records_the_teacher(tmp_path, tiny_dataset, yolo_config_dir, monkeypatch, capsys):
    path = tmp_path / "teacher.pt"
    torch.manual_seed(1)
    torch.save({"model": None, "ema": DetectionModel("yolov10n.yaml", nc=80, verbose=False).eval().half()}, path)
    distill = {"teacher": str(path), "teacher_sha256": hashlib.sha256(path.read_bytes()).hexdigest(), "weight": 1.0, "temperature": 10.0}
    request = write_request(tmp_path, tiny_dataset, "qat", epochs=1, distill=distill)
    assert train_here(monkeypatch, request, yolo_config_dir) == 0
    header = (tmp_path / "qat" / "results.csv").read_text().splitlines()[0].split(",")
    header = [h.strip() for h in header]
    assert "train/kd_loss" in header and "val/kd_loss" not in header
    assert "Distillation: FP16 teacher" in capsys.readouterr().out
    run = json.loads((tmp_path / "qat" / "run.json").read_text())
    assert run["distill"] == {"teacher": str(path), "teacherSha256": distill["teacher_sha256"], "weight": 1.0, "temperature": 10.0}
