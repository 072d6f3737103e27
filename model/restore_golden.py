"""Golden vectors for web/src/diffusion/restore.ts:
`python -m model.restore_golden test/fixtures/restore-golden.json`.

As in model/golden.py, the "network" is the exact noise predictor of toy Gaussian data, so the
degradation operator, its pseudo-inverse and the DDNM(+)/RePaint loop are compared with no ONNX in
the loop. Each case records the clean image, the damage noise, the measurement, the initial noise,
every draw of the sampler and the restored image.
"""
from __future__ import annotations

import json
import sys
from typing import Any

import torch

from .diffusion import alphas_cumprod_for, sampling_timesteps
from .golden import recorded_noise, toy_eps_model
from .restore import Degradation, damage, ddnm_sampler

SIZE, CHANNELS, BATCH = 8, 3, 1


def box_mask() -> torch.Tensor:
    mask = torch.ones(SIZE, SIZE, dtype=torch.uint8)
    mask[2:5, 1:6] = 0
    return mask


def random_mask(seed: int) -> torch.Tensor:
    return (torch.rand(SIZE, SIZE, generator=torch.Generator().manual_seed(seed)) < 0.5).to(torch.uint8)


# (name, degradation settings, pixel noise sigma, resample, eta, clip, steps)
CASES: list[tuple[str, dict[str, Any], float, int, float, bool, int]] = [
    ("box inpainting, RePaint x2", {"mask": box_mask()}, 0.0, 2, 0.85, True, 6),
    ("50% missing pixels", {"mask": random_mask(1)}, 0.0, 1, 0.85, False, 8),
    ("x4 super-resolution", {"downsample": 4}, 0.0, 1, 0.85, True, 6),
    ("colourisation, deterministic", {"grayscale": True}, 0.0, 1, 0.0, True, 6),
    ("denoising (DDNM+)", {}, 0.4, 1, 0.85, False, 8),
    ("grayscale + x2 + mask, noisy, RePaint x3", {"grayscale": True, "downsample": 2, "mask": box_mask()},
     0.2, 3, 0.85, True, 5),
]


def case(name: str, spec: dict[str, Any], sigma: float, resample: int, eta: float, clip: bool, steps: int,
         seed: int, alphas_cumprod: torch.Tensor) -> dict[str, Any]:
    degradation = Degradation(SIZE, CHANNELS, **spec)
    generator = torch.Generator().manual_seed(seed)
    clean = 0.8 + 0.5 * torch.randn(BATCH, CHANNELS, SIZE, SIZE, generator=generator, dtype=torch.float64)
    damage_noise, damage_draws = recorded_noise(generator)
    damaged = damage(clean, degradation, sigma, damage_noise)
    y = degradation.apply(damaged)
    x_init = torch.randn(clean.shape, generator=generator, dtype=torch.float64)
    noise_sampler, noise = recorded_noise(generator)
    sigma_y = sigma * degradation.noise_gain
    timesteps = sampling_timesteps(steps, alphas_cumprod)
    sampler = ddnm_sampler(degradation, y, sigma_y=sigma_y, resample=resample)
    out = sampler(toy_eps_model(alphas_cumprod, "v"), x_init.clone(), timesteps, alphas_cumprod, eta=eta, clip=clip,
                  noise_sampler=noise_sampler)
    mask = spec.get("mask")
    return {"name": name, "size": SIZE, "channels": CHANNELS, "grayscale": spec.get("grayscale", False),
            "downsample": spec.get("downsample", 1), "mask": None if mask is None else mask.flatten().tolist(),
            "sigma": sigma, "sigma_y": sigma_y, "resample": resample, "eta": eta, "clip": clip,
            "timesteps": timesteps, "clean": clean.flatten().tolist(), "damage_noise": damage_draws,
            "damaged": damaged.flatten().tolist(), "y": y.flatten().tolist(),
            "pinv_y": degradation.pinv(y).flatten().tolist(), "x_init": x_init.flatten().tolist(),
            "noise": noise, "out": out.flatten().tolist()}


def golden() -> dict[str, Any]:
    alphas_cumprod = alphas_cumprod_for("cosine", 1000)
    return {"schedule": "cosine", "prediction": "v", "alphas_cumprod": alphas_cumprod.tolist(),
            "cases": [case(*c, seed=i, alphas_cumprod=alphas_cumprod) for i, c in enumerate(CASES)]}


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    with open(sys.argv[1], "w") as f:
        json.dump(golden(), f)
