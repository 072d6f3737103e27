"""Generation quality: the Frechet distance, in the feature space of the project's classifier (judge.py),
between class-conditional samples and the training set, beside the same distance for as many real
held-out test images (the floor: what a perfect model would score at that count), and the
classifier's accuracy on the samples beside its accuracy on real test images; then the same two
numbers as a function of sampling steps for each sampler, and of the guidance scale.
"""
from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Any, Optional

import torch

from ..diffusion.generate import generate
from ..diffusion.schedule import Diffusion
from ..networks.unet import UNet
from ..training.data import subset
from ..training.images import save_grid
from .judge import Judge
from .report import log


@dataclass
class GenerationSettings:
    samples: int  # for the main numbers
    sampler: str
    steps: int
    guidance: float
    interval: Optional[tuple[float, float]]  # guide only where lo < sigma <= hi; None: at every step
    sweep_samples: int  # per run of the sweeps
    sweep_samplers: list[str]
    sweep_steps: list[int]
    guidances: list[float]  # of the guidance sweep, at the main sampler and steps
    seed: int
    batch: int
    # A distilled student's own timesteps, used wherever it samples at its own sampler and step count.
    timesteps: Optional[tuple[int, ...]] = None


def balanced_labels(count: int, num_classes: int) -> torch.Tensor:
    """0, 1, ..., K-1, 0, 1, ...: every class equally often (the null class if unconditional)."""
    return torch.arange(count) % num_classes if num_classes > 0 else torch.zeros(count, dtype=torch.long)


def grid_order(labels: torch.Tensor, num_classes: int, per_class: int = 10) -> torch.Tensor:
    """Indices of up to `per_class` samples of each class in turn: one grid row per class."""
    if num_classes == 0:
        return torch.arange(min(len(labels), per_class * per_class))
    return torch.cat([torch.nonzero(labels == k)[:per_class, 0] for k in range(num_classes)])


def generate_batched(net: UNet, diffusion: Diffusion, labels: torch.Tensor, sampler: str, steps: int,
                     guidance: float, interval: Optional[tuple[float, float]], seed: int, batch: int,
                     timesteps: Optional[tuple[int, ...]] = None) -> torch.Tensor:
    """`generate` in batches (batch k is seeded with seed + k), so memory stays flat for any count."""
    chosen = [float(t) for t in timesteps] if timesteps else None
    return torch.cat([generate(net, diffusion, labels[i:i + batch], steps, sampler, guidance, seed + k,
                               guidance_interval=interval, timesteps=chosen)
                      for k, i in enumerate(range(0, len(labels), batch))])


def sample_quality(judge: Judge, images: torch.Tensor, labels: torch.Tensor, conditional: bool) -> dict[str, Any]:
    return {"samples": len(images), "frechet_distance": judge.frechet(images),
            "class_accuracy": judge.accuracy(images, labels) if conditional else None}


def evaluate_generation(net: UNet, diffusion: Diffusion, judge: Judge, test_images: torch.Tensor,
                        test_labels: torch.Tensor, settings: GenerationSettings, out_dir: str) -> dict[str, Any]:
    """The metrics' "generation", "steps_sweep" and "guidance_sweep"; writes samples.png into out_dir.

    `test_images` are the real held-out images (float, [-1, 1]) whose scores are the floor."""
    s = settings
    num_classes = net.config.num_classes
    conditional = num_classes > 0

    def floor(count: int) -> dict[str, Any]:
        index = subset(count, len(test_images), s.seed)
        return sample_quality(judge, test_images[index], test_labels[index], conditional)

    interval_field = list(s.interval) if s.interval else None  # as the JSON records it
    log(f"generation: {s.samples} samples, {s.sampler} {s.steps} steps, guidance {s.guidance} "
        f"in sigma interval {s.interval}")
    labels = balanced_labels(s.samples, num_classes)
    samples = generate_batched(net, diffusion, labels, s.sampler, s.steps, s.guidance, s.interval, s.seed, s.batch,
                               s.timesteps)
    save_grid(samples[grid_order(labels, num_classes)], os.path.join(out_dir, "samples.png"), columns=10)
    generation = {"sampler": s.sampler, "steps": s.steps, "guidance": s.guidance,
                  "guidance_interval": interval_field, "seed": s.seed,
                  **({"timesteps": list(s.timesteps)} if s.timesteps else {}),
                  **sample_quality(judge, samples, labels, conditional), "real_test": floor(s.samples),
                  "real_test_all": {"images": len(test_images),
                                    "class_accuracy": judge.accuracy(test_images, test_labels)}}

    sweep_labels = balanced_labels(s.sweep_samples, num_classes)

    def sweep_run(sampler: str, steps: int, guidance: float) -> dict[str, Any]:
        log(f"sweep: {sampler} {steps} steps, guidance {guidance}, {s.sweep_samples} samples")
        own = s.timesteps if (sampler, steps) == (s.sampler, s.steps) else None
        images = generate_batched(net, diffusion, sweep_labels, sampler, steps, guidance, s.interval, s.seed,
                                  s.batch, own)
        return {"sampler": sampler, "steps": steps, "guidance": guidance,
                "guidance_interval": interval_field, "seed": s.seed,
                **sample_quality(judge, images, sweep_labels, conditional)}

    sweep = [sweep_run(sampler, steps, s.guidance) for sampler in s.sweep_samplers for steps in s.sweep_steps]
    # Guidance trades diversity for fidelity to the class: the sweep is what the page's default rests on.
    guidance_sweep = [sweep_run(s.sampler, s.steps, g) for g in s.guidances] if conditional else []
    sweep_floor = floor(s.sweep_samples)
    return {"generation": generation, "steps_sweep": {"runs": sweep, "real_test": sweep_floor},
            "guidance_sweep": {"runs": guidance_sweep, "real_test": sweep_floor}}
