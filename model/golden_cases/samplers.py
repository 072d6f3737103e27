"""Golden vectors for the TypeScript samplers (web/src/diffusion/samplers.ts): test/fixtures/sampler-golden.json,
written by `python -m model.golden`.

The "network" is the toy's exact noise predictor (toy.py), so the samplers, schedules and step spacing
are compared with no ONNX in the loop. Each case records the initial noise, the noise drawn at every
step, and the final samples.
"""
from __future__ import annotations

from typing import Any, Optional

import torch

from ..diffusion.samplers import SAMPLERS
from ..diffusion.schedule import alphas_cumprod_for, sampling_timesteps
from ..training.distill import student_timesteps
from .toy import TOY, recorded_noise, toy_eps_model

SHAPE = (2, 1, 2, 2)
CASES = [(sampler, schedule, prediction, steps, clip)
         for sampler in SAMPLERS for schedule, prediction in (("cosine", "v"), ("linear", "eps"))
         for steps, clip in ((5, True), (12, False))]


def case(sampler: str, schedule: str, prediction: str, steps: int, clip: bool, seed: int,
         student: bool = False, alphas_cumprod: Optional[torch.Tensor] = None) -> dict[str, Any]:
    """One run of a sampler; `student`: at a distilled student's own timesteps, which its manifest lists;
    `alphas_cumprod`: the schedule's table, computed here if not given."""
    if alphas_cumprod is None:
        alphas_cumprod = alphas_cumprod_for(schedule, 1000)
    generator = torch.Generator().manual_seed(seed)
    x_init = torch.randn(SHAPE, generator=generator, dtype=torch.float64)
    noise_sampler, noise = recorded_noise(generator)
    timesteps = (student_timesteps(alphas_cumprod, steps, 0.1) if student
                 else sampling_timesteps(steps, alphas_cumprod))
    out = SAMPLERS[sampler](toy_eps_model(alphas_cumprod, prediction), x_init.clone(), timesteps, alphas_cumprod,
                            clip=clip, noise_sampler=noise_sampler)
    return {"sampler": sampler, "schedule": schedule, "prediction": prediction, "steps": steps, "clip": clip,
            "student": student, "shape": list(SHAPE), "timesteps": timesteps, "x_init": x_init.flatten().tolist(),
            "noise": noise, "out": out.flatten().tolist()}


def golden(schedules: Optional[dict[str, torch.Tensor]] = None) -> dict[str, Any]:
    """Every case, with the schedules and the toy data: test/fixtures/sampler-golden.json.

    `schedules` ("cosine" and "linear" tables) replaces alphas_cumprod_for's: the tests replay the cases on
    the committed tables, whose last bits depend on the PyTorch build that computed them.
    """
    if schedules is None:
        schedules = {name: alphas_cumprod_for(name, 1000) for name in ("cosine", "linear")}
    return {
        "toy": TOY,
        "schedules": {name: table.tolist() for name, table in schedules.items()},
        "cases": [case(*c, seed=i, alphas_cumprod=schedules[c[1]]) for i, c in enumerate(CASES)] + [
            case("ddim", "cosine", "v", 4, True, seed=len(CASES), student=True, alphas_cumprod=schedules["cosine"])],
    }
