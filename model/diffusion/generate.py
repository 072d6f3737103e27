"""Images from a network, as the page makes them (web/src/inference/generate-job.ts): seeded noise,
classifier-free guidance, log-SNR spaced timesteps, one of the samplers."""
from __future__ import annotations

import argparse
from typing import Optional

import torch

from .defaults import DEFAULTS, GenerateDefaults
from .guidance import guidance_interval, guided_eps_model
from .samplers import SAMPLERS, Callback
from .schedule import Diffusion, sampling_timesteps


def generate(net: torch.nn.Module, diffusion: Diffusion, class_labels: torch.Tensor,
             steps: int = DEFAULTS.generate.steps, sampler: str = DEFAULTS.generate.sampler,
             guidance: float = DEFAULTS.generate.guidance, seed: int = 0, callback: Optional[Callback] = None,
             guidance_interval: Optional[tuple[float, float]] = DEFAULTS.generate.guidance_interval,
             timesteps: Optional[list[float]] = None) -> torch.Tensor:
    """Images in [-1, 1] for the given class labels (null class = unconditional).

    `timesteps`: a distilled student's own (it was trained at them); else `steps` spaced in log-SNR.
    """
    if sampler not in SAMPLERS:
        raise ValueError(f"unknown sampler {sampler!r}: use one of {sorted(SAMPLERS)}")
    config = getattr(net, "config")
    device = next(net.parameters()).device
    generator = torch.Generator().manual_seed(seed)
    shape = (class_labels.shape[0], config.in_channels, config.image_size, config.image_size)
    x = torch.randn(shape, generator=generator).to(device)
    eps_model = guided_eps_model(net, class_labels, guidance, config.num_classes, diffusion.alphas_cumprod,
                                 diffusion.config.prediction, guidance_interval)
    timesteps = timesteps or sampling_timesteps(steps, diffusion.alphas_cumprod)
    return SAMPLERS[sampler](eps_model, x, timesteps, diffusion.alphas_cumprod, generator=generator,
                             callback=callback)


def generate_with(net: torch.nn.Module, diffusion: Diffusion, class_labels: torch.Tensor, sampling: GenerateDefaults,
                  seed: int = 0) -> torch.Tensor:
    """`generate` with a version's sampling settings, a distilled student's own timesteps included."""
    timesteps = [float(t) for t in sampling.timesteps] if sampling.timesteps else None
    return generate(net, diffusion, class_labels, sampling.steps, sampling.sampler, sampling.guidance, seed,
                    guidance_interval=sampling.guidance_interval, timesteps=timesteps)


def add_generate_flags(parser: argparse.ArgumentParser, steps_flag: str = "--steps") -> None:
    """The flags that override the manifest's generate defaults (`steps_flag` where --steps means a sweep)."""
    parser.add_argument("--sampler", choices=sorted(SAMPLERS), default=DEFAULTS.generate.sampler,
                        help="the manifest's default")
    parser.add_argument(steps_flag, type=int, default=DEFAULTS.generate.steps, help="the manifest's default")
    parser.add_argument("--guidance", type=float, default=DEFAULTS.generate.guidance, help="the manifest's default")
    parser.add_argument("--guidance-interval", type=guidance_interval, default=DEFAULTS.generate.guidance_interval,
                        help="LO,HI: guide only where LO < sigma <= HI, or none (every step); the manifest's default")
