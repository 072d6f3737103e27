"""A few-step student of the guided teacher: progressive distillation's target (Salimans & Ho 2022)
reached in one phase from a strong solver, with classifier-free guidance distilled in (Meng et al. 2023).

The student samples with DDIM at its own `student_steps` timesteps (`student_timesteps`), one network
pass per step, where the teacher's defaults spend 14 passes (guided steps cost two). For each training
image, noised to a student timestep t, the guided teacher runs `teacher_substeps` steps of
DPM-Solver++(3M) to the student's next timestep s (to clean data after the last), and the student
learns the x0 whose DDIM step from t lands exactly there (Salimans & Ho's eq. 8), its error weighted
by max(SNR, 1) ("truncated SNR", their section 4). The null class is distilled unguided, so the
student still serves restoration's unconditional prior.
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, Optional

import torch

from ..diffusion.defaults import DEFAULTS, GenerateDefaults
from ..diffusion.guidance import guided_eps_model
from ..diffusion.samplers import dpm_solver_multistep
from ..diffusion.schedule import SIGMA_MAX, Diffusion, alpha_after, matched_timestep, nearest_timesteps


@dataclass
class DistillConfig:
    student_steps: int = 0  # 0 trains the model itself; N distils a student that samples in N DDIM steps
    # The teacher's solver steps per student step and their order. The student can only come as close to
    # the data as the teacher's solves it imitates (model/README.md: its ceiling).
    teacher_substeps: int = 6
    teacher_order: int = 3
    student_sigma_min: float = 0.1  # the student's last timestep; its last step goes from there to clean data
    teacher_guidance: float = DEFAULTS.generate.guidance  # guided where the defaults' interval says
    # How often each student timestep is drawn, relative (e.g. 1,5,3,1); () draws them evenly. Training
    # goes where the student still differs from its teacher (model/README.md: which step costs the most).
    step_shares: tuple[int, ...] = ()


def timesteps_between(alphas_cumprod: torch.Tensor, first: int, last: int, count: int) -> list[float]:
    """`count` distinct integer timesteps from `first` down to `last` (both included), evenly in log-SNR."""
    if not first > last >= 0 or not 2 <= count <= first - last + 1:
        raise ValueError(f"cannot place {count} timesteps from {first} down to {last}")
    lam = 0.5 * torch.log(alphas_cumprod / (1 - alphas_cumprod))
    targets = torch.linspace(float(lam[first]), float(lam[last]), count, dtype=torch.float64).tolist()
    return nearest_timesteps(lam, targets, first, last)


def student_timesteps(alphas_cumprod: torch.Tensor, steps: int, sigma_min: float) -> list[float]:
    """The student's timesteps: from SIGMA_MAX (above it the cosine schedule's steps change nothing)
    down to sigma_min, evenly in log-SNR; its last step goes from there to clean data."""
    top, bottom = matched_timestep(alphas_cumprod, SIGMA_MAX), matched_timestep(alphas_cumprod, sigma_min)
    return [float(top)] if steps == 1 else timesteps_between(alphas_cumprod, top, bottom, steps)


def student_defaults(config: DistillConfig, diffusion: Diffusion) -> GenerateDefaults:
    """How a student samples: DDIM at its own timesteps, with guidance built in (one pass per step)."""
    ts = student_timesteps(diffusion.alphas_cumprod, config.student_steps, config.student_sigma_min)
    return GenerateDefaults(sampler="ddim", steps=len(ts), guidance=1.0, guidance_interval=None,
                            timesteps=tuple(int(t) for t in ts))


def is_student(state: dict[str, Any]) -> bool:
    """Whether a checkpoint is a distilled student (rather than a model that learned the whole schedule)."""
    return DistillConfig(**state.get("distill", {})).student_steps > 0


def student_of(state: dict[str, Any], diffusion: Diffusion) -> Optional[GenerateDefaults]:
    """A checkpoint's student sampling (`student_defaults`), or None for a model that learned the whole schedule."""
    return student_defaults(DistillConfig(**state["distill"]), diffusion) if is_student(state) else None


def distilled_from(state: dict[str, Any]) -> int:
    """The image count where a student's distillation began (its teacher's), which its version id counts from.
    Recorded since a student can go on from its shipped weights; before that, its run's warm start."""
    return int(state.get("distilled_from_images", state.get("warm_start", {}).get("images_seen", 0)))


class Distillation:
    """The student's training loss against a frozen guided teacher (the trainer's objective when distilling)."""

    def __init__(self, teacher: torch.nn.Module, diffusion: Diffusion, config: DistillConfig, null_class: int):
        if min(config.student_steps, config.teacher_substeps, config.teacher_order) < 1:
            raise ValueError("student_steps, teacher_substeps and teacher_order must be positive to distil")
        self.teacher = teacher.eval().requires_grad_(False)
        self.diffusion = diffusion
        self.config = config
        self.null_class = null_class
        a = diffusion.alphas_cumprod
        self.timesteps = student_timesteps(a, config.student_steps, config.student_sigma_min)
        shares = tuple(config.step_shares) or (1,) * len(self.timesteps)
        if len(shares) != len(self.timesteps) or min(shares) < 0 or sum(shares) == 0:
            raise ValueError(f"step_shares {shares}: give one share (>= 0, not all 0) per student step "
                             f"({len(self.timesteps)})")
        self.step_odds = torch.tensor(shares, dtype=torch.float64)
        # The teacher's steps from each student timestep toward the next one (toward t = 0 after the last,
        # whose final step lands on clean data), the next one itself excluded: the solver lands there.
        ends = [int(t) for t in self.timesteps[1:]] + [0]
        self.segments = [timesteps_between(a, int(t), end, config.teacher_substeps + 1)[:-1]
                         for t, end in zip(self.timesteps, ends)]

    def teacher_target(self, x: torch.Tensor, labels: torch.Tensor, i: int) -> torch.Tensor:
        """The x0 whose DDIM step from the student's timestep i lands where the guided teacher's solver does."""
        a = self.diffusion.alphas_cumprod
        eps_model = guided_eps_model(self.teacher, labels, self.config.teacher_guidance, self.null_class, a,
                                     self.diffusion.config.prediction, DEFAULTS.generate.guidance_interval)
        a_t, a_s = float(a[int(self.timesteps[i])]), alpha_after(a, self.timesteps, i)
        x_s = dpm_solver_multistep(eps_model, x, self.segments[i], a, order=self.config.teacher_order, clip=True,
                                   callback=None, end=a_s)
        if a_s == 1.0:
            return x_s
        ratio = math.sqrt((1 - a_s) / (1 - a_t))  # DDIM: x_s = sqrt(a_s) x0 + ratio * (x - sqrt(a_t) x0)
        return (x_s - ratio * x) / (math.sqrt(a_s) - ratio * math.sqrt(a_t))

    def loss(self, net: torch.nn.Module, x0: torch.Tensor, class_labels: torch.Tensor,
             generator: torch.Generator) -> torch.Tensor:
        """Truncated-SNR weighted x0 error at student timesteps drawn per image (randomness from `generator`)."""
        batch, device = x0.shape[0], x0.device
        index = torch.multinomial(self.step_odds, batch, replacement=True, generator=generator)
        noise = torch.randn(x0.shape, generator=generator).to(device)
        t = torch.tensor(self.timesteps, dtype=torch.float64)[index]
        a = self.diffusion.alphas_cumprod[t.long()].float().to(device).view(-1, 1, 1, 1)
        x_t = a.sqrt() * x0 + (1 - a).sqrt() * noise
        target = torch.empty_like(x0)
        for i in range(len(self.timesteps)):
            rows = (index == i).nonzero().flatten().to(device)
            if len(rows) > 0:
                target[rows] = self.teacher_target(x_t[rows], class_labels[rows], i).to(target.dtype)
        out = net(x_t, t.float().to(device), class_labels).float()
        if self.diffusion.config.prediction == "v":
            x0_pred = a.sqrt() * x_t - (1 - a).sqrt() * out
        else:
            x0_pred = (x_t - (1 - a).sqrt() * out) / a.sqrt()
        weight = (a / (1 - a)).clamp(min=1).view(-1)
        return (weight * (x0_pred - target).pow(2).mean(dim=(1, 2, 3))).mean()
