"""The "network" of the golden vectors: the exact noise predictor for toy data ~ N(mean, std^2), which
both languages can compute, and a noise sampler that records its draws for the other language to replay.
"""
from __future__ import annotations

import math

import torch

from ..diffusion.samplers import EpsModel, NoiseSampler
from ..diffusion.schedule import output_to_eps

TOY = {"mean": 0.8, "std": 0.5}  # wide enough that clipping x0 to [-1, 1] matters


def toy_output(x: torch.Tensor, t: float, alphas_cumprod: torch.Tensor, prediction: str) -> torch.Tensor:
    """What a perfect network would output at timestep t: eps, or v."""
    a = float(alphas_cumprod[int(t)])
    eps = math.sqrt(1 - a) * (x - math.sqrt(a) * TOY["mean"]) / (a * TOY["std"] ** 2 + 1 - a)
    if prediction == "eps":
        return eps
    x0 = (x - math.sqrt(1 - a) * eps) / math.sqrt(a)
    return math.sqrt(a) * eps - math.sqrt(1 - a) * x0


def toy_eps_model(alphas_cumprod: torch.Tensor, prediction: str) -> EpsModel:
    """The exact noise predictor of the toy data, through the network's output type (eps or v)."""
    def eps_model(x: torch.Tensor, t: float) -> torch.Tensor:
        a = float(alphas_cumprod[int(t)])
        return output_to_eps(toy_output(x, t, alphas_cumprod, prediction), x, a, prediction)

    return eps_model


def recorded_noise(generator: torch.Generator) -> tuple[NoiseSampler, list[list[float]]]:
    """A float64 noise sampler that also records every draw, for the other language to replay."""
    noise: list[list[float]] = []

    def noise_sampler(shape: torch.Size) -> torch.Tensor:
        n = torch.randn(shape, generator=generator, dtype=torch.float64)
        noise.append(n.flatten().tolist())
        return n

    return noise_sampler, noise
