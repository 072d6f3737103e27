"""Golden vectors for the TypeScript samplers: `python -m model.golden test/fixtures/sampler-golden.json`.

The "network" is the exact noise predictor for data ~ N(mean, std^2), which both languages can
compute, so the samplers, schedules and step spacing are compared with no ONNX in the loop. Each
case records the initial noise, the noise drawn at every step, and the final samples.
"""
from __future__ import annotations

import json
import math
import sys
from typing import Any

import torch

from .diffusion import SAMPLERS, EpsModel, NoiseSampler, alphas_cumprod_for, output_to_eps, sampling_timesteps

TOY = {"mean": 0.8, "std": 0.5}  # wide enough that clipping x0 to [-1, 1] matters
SHAPE = (2, 1, 2, 2)
CASES = [(sampler, schedule, prediction, steps, clip)
         for sampler in SAMPLERS for schedule, prediction in (("cosine", "v"), ("linear", "eps"))
         for steps, clip in ((5, True), (12, False))]


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


def case(sampler: str, schedule: str, prediction: str, steps: int, clip: bool, seed: int) -> dict[str, Any]:
    alphas_cumprod = alphas_cumprod_for(schedule, 1000)
    generator = torch.Generator().manual_seed(seed)
    x_init = torch.randn(SHAPE, generator=generator, dtype=torch.float64)
    noise_sampler, noise = recorded_noise(generator)
    timesteps = sampling_timesteps(steps, alphas_cumprod)
    out = SAMPLERS[sampler](toy_eps_model(alphas_cumprod, prediction), x_init.clone(), timesteps, alphas_cumprod,
                            clip=clip, noise_sampler=noise_sampler)
    return {"sampler": sampler, "schedule": schedule, "prediction": prediction, "steps": steps, "clip": clip,
            "shape": list(SHAPE), "timesteps": timesteps, "x_init": x_init.flatten().tolist(), "noise": noise,
            "out": out.flatten().tolist()}


def golden() -> dict[str, Any]:
    return {
        "toy": TOY,
        "schedules": {name: alphas_cumprod_for(name, 1000).tolist() for name in ("cosine", "linear")},
        "cases": [case(*c, seed=i) for i, c in enumerate(CASES)],
    }


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    with open(sys.argv[1], "w") as f:
        json.dump(golden(), f)
