"""Distillation from the FP16 teacher for the QAT trainings (conf/qat.yaml `distill`; docs/quantization.md says why
this loss): the term the QAT trainer adds to Ultralytics' YOLOv10 detection loss.

The teacher is train-fp16's best.pt (Ultralytics' EMA weights), frozen in eval mode. It runs on the student's batch
inside the loss, so under the trainer's autocast (AMP) like the student, and without gradients. Teacher and student
are built from the same model YAML, so both heads' raw outputs have the same shapes, and the term compares them
output for output (logit mimicking), on each of YOLOv10's two heads (one-to-many and one-to-one), averaged:
- box: Localization Distillation (Zheng et al., CVPR 2022): for each of the 4 box sides, the KL divergence from the
  teacher's to the student's distribution over the reg_max DFL bins, both softened by the temperature T;
- classes: each class score as its own binary distribution, sigmoid(logit / T), as the head scores classes
  independently (binary rather than softmax distillation: Yang et al., ICCV 2023, BCKD): the Bernoulli KL divergence.
Both are scaled by T^2 (Hinton et al., 2015), so the temperature changes how soft the targets are and leaves the
gradient's size roughly as it is. Anchors are weighted by the teacher's confidence (its largest class score), so the box term is spent
where the teacher sees an object and not on background anchors whose boxes mean nothing; no assigner runs.

The term is 0 when the student's outputs equal the teacher's. Its value is a mean over anchors, on the scale of one
image's loss; like Ultralytics' loss items, the trainer backpropagates it times the batch size, and the loss item
(train/kd_loss) is weight * the value.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass
from typing import Any

import torch
from torch import nn
from torch.nn import functional as F

# The loss item (knowledge distillation): train/kd_loss in results.csv and TensorBoard. Short: Ultralytics' console
# header gives each loss 11 characters.
DISTILL_LOSS = "kd_loss"
BRANCHES = ("one2many", "one2one")  # YOLOv10's two heads (Ultralytics' training output keys)


@dataclass(frozen=True)
class DistillSettings:
    """The request's `distill`: the teacher checkpoint (and its sha256 when the request was written), the weight of the
    term in the loss and the temperature."""

    teacher: str
    teacher_sha256: str
    weight: float
    temperature: float

    def __post_init__(self) -> None:
        for key in ("weight", "temperature"):
            value = getattr(self, key)
            if isinstance(value, bool) or not isinstance(value, (int, float)) or not value > 0:
                raise ValueError(f"distillation setting '{key}' must be a number > 0, got {value!r}")

    @classmethod
    def from_request(cls, data: dict[str, Any] | None) -> DistillSettings | None:
        return None if data is None else cls(**data)


def teacher_problem(settings: DistillSettings) -> str | None:
    """What is wrong with the teacher file, before any training work; None when it is the one the request names."""
    from yolo_py.files import pinned_file_problem

    return pinned_file_problem(
        settings.teacher,
        settings.teacher_sha256,
        missing="the distillation teacher (train-fp16's best.pt) does not exist: train the FP16 model first (stage train-fp16)",
        changed=lambda _: "the distillation teacher changed since this run's request was written (sha256 differs): run the distilling training's stage again (train-qat or train-qat-ft)",
    )


def load_teacher(settings: DistillSettings, device: torch.device) -> nn.Module:
    """The FP16 teacher: its EMA weights in float32 on `device`, eval mode, no parameter requiring a gradient."""
    from ultralytics.nn.tasks import load_checkpoint

    problem = teacher_problem(settings)
    if problem:
        raise ValueError(problem)
    teacher, _ = load_checkpoint(settings.teacher, device="cpu")
    teacher = teacher.float().eval().to(device)
    if device.type == "cuda":
        teacher = teacher.to(memory_format=torch.channels_last)  # as Ultralytics trains the student there
    for p in teacher.parameters():
        p.requires_grad_(False)
    return teacher


def distillation_term(student: dict[str, Any], teacher: dict[str, Any], temperature: float) -> torch.Tensor:
    """The per-image distillation term (a scalar, float32) between two YOLOv10 training outputs
    ({branch: {"boxes": [B, 4 * reg_max, A], "scores": [B, nc, A]}}): the confidence-weighted mean over the batch's
    anchors of T^2 * (binary KL of every class + KL of every box side's bins), averaged over both branches."""
    terms = []
    for branch in BRANCHES:
        s, t = student[branch], teacher[branch]
        for key in ("boxes", "scores"):
            if s[key].shape != t[key].shape:
                raise ValueError(
                    f"teacher and student differ in their {branch} head's {key}: {tuple(t[key].shape)} vs "
                    f"{tuple(s[key].shape)} (the teacher must be built from the same model YAML and classes)"
                )
        s_cls, t_cls = s["scores"].float(), t["scores"].float().detach()
        s_box, t_box = s["boxes"].float(), t["boxes"].float().detach()
        weight = t_cls.sigmoid().amax(dim=1)  # [B, A]: the teacher's confidence at each anchor
        # Bernoulli KL(p || q) = BCE(q's logit, p) - BCE(p's logit, p), each stable on logits.
        target = torch.sigmoid(t_cls / temperature)
        cls_kl = F.binary_cross_entropy_with_logits(s_cls / temperature, target, reduction="none") - F.binary_cross_entropy_with_logits(
            t_cls / temperature, target, reduction="none"
        )
        b, channels, anchors = s_box.shape
        sides = (b, 4, channels // 4, anchors)  # Ultralytics lays the box logits out side by side, reg_max bins each
        t_log = F.log_softmax(t_box.view(sides) / temperature, dim=2)
        s_log = F.log_softmax(s_box.view(sides) / temperature, dim=2)
        box_kl = (t_log.exp() * (t_log - s_log)).sum(dim=(1, 2))  # [B, A]: summed over bins and the 4 sides
        per_anchor = temperature**2 * (cls_kl.sum(dim=1) + box_kl)
        terms.append((weight * per_anchor).sum() / weight.sum().clamp_min(torch.finfo(torch.float32).tiny))
    return torch.stack(terms).mean()


class DistilledLoss:
    """The student's criterion (Ultralytics' E2ELoss) plus weight * the distillation term, as the model's `criterion`.

    Returns the plain loss vector with the term appended (the trainer sums it) and the plain loss items with
    DISTILL_LOSS added.
    """

    def __init__(self, criterion: Any, teacher: nn.Module, settings: DistillSettings) -> None:
        self.criterion = criterion
        self.teacher = teacher
        self.weight = float(settings.weight)
        self.temperature = float(settings.temperature)

    def __call__(self, preds: Any, batch: dict[str, torch.Tensor]) -> tuple[torch.Tensor, dict[str, torch.Tensor]]:
        loss, items = self.criterion(preds, batch)
        images = batch["img"]
        with torch.no_grad():
            teacher_out = self.teacher(images)
        term = self.weight * distillation_term(_raw(preds), _raw(teacher_out), self.temperature)
        return torch.cat([loss, (term * images.shape[0]).reshape(1).to(loss.dtype)]), {**items, DISTILL_LOSS: term.detach()}

    def update(self) -> None:
        """Ultralytics calls it after every epoch: E2ELoss moves its weight from the one-to-many to the one-to-one head."""
        self.criterion.update()

    def __deepcopy__(self, memo: dict) -> Any:
        # A copy of the student (Ultralytics' EMA) validates without the teacher: it gets the plain criterion.
        return copy.deepcopy(self.criterion, memo)


def install_distillation(model: nn.Module, settings: DistillSettings | None, device: torch.device) -> DistilledLoss | None:
    """Makes `model`'s criterion the distilled one (keeping the criterion it has, e.g. a resumed run's E2ELoss with its
    head-weight schedule, or building Ultralytics' own); with no settings, leaves the model as it is."""
    if settings is None:
        return None
    base = model.criterion if getattr(model, "criterion", None) is not None else model.init_criterion()
    if isinstance(base, DistilledLoss):
        return base
    model.criterion = DistilledLoss(base, load_teacher(settings, device), settings)
    return model.criterion


def _raw(output: Any) -> dict[str, Any]:
    """The head's raw training outputs: the dict itself in train mode, its second element in eval mode."""
    return output[1] if isinstance(output, tuple) else output
