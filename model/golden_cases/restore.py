"""Golden vectors for web/src/diffusion/restore.ts: test/fixtures/restore-golden.json, written by
`python -m model.golden`.

As for the samplers (samplers.py), the "network" is the toy's exact noise predictor (toy.py), so the
degradation operator, its pseudo-inverse and the DDNM(+)/RePaint loop are compared with no ONNX in
the loop. Each case records the clean image, the damage noise, the measurement, the initial noise,
every draw of the sampler and the restored image. The photo cases restore images larger than the
"network" tile by tile (diffusion/tiles.py): there the toy also sees each tile's mean, so the tile
grid and its recorded offsets change the result; and one case checks the noise-level estimate.
"""
from __future__ import annotations

from typing import Any, Optional

import torch

from ..diffusion.defaults import DEFAULTS
from ..diffusion.noise_level import estimate_noise_sigma
from ..diffusion.resample import enlarge, shrink
from ..diffusion.restore import (Degradation, damage, ddnm_sampler, photo_problem, restoration_timesteps,
                                 restore_photo, start_noise)
from ..diffusion.samplers import EpsModel
from ..diffusion.schedule import alphas_cumprod_for, sampling_timesteps
from ..diffusion.tiles import Offsets
from .toy import recorded_noise, toy_eps_model

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


# A tile-aware toy: a real network sees its whole tile, so the prediction depends on the tile's mean.
TILE_MEAN_WEIGHT = 0.1


def tile_aware(eps_model: EpsModel) -> EpsModel:
    return lambda x, t: eps_model(x, t) + TILE_MEAN_WEIGHT * x.mean(dim=(1, 2, 3), keepdim=True)


def recorded_offsets(generator: torch.Generator, tile: int) -> tuple[Offsets, list[list[int]]]:
    offsets: list[list[int]] = []

    def draw() -> tuple[int, int]:
        dy, dx = (int(v) for v in torch.randint(0, tile, (2,), generator=generator))
        offsets.append([dy, dx])
        return dy, dx

    return draw, offsets


TILE = 8
# (name, photo height, width, lost pixels, downsample, grayscale, pixel noise sigma, resample, candidates, steps)
PHOTO_CASES: list[tuple[str, int, int, str, int, bool, float, int, int, int]] = [
    ("photo 9x14 with lost pixels, RePaint x2, two candidates", 9, 14, "scattered", 1, False, 0.0, 2, 2, 10),
    ("photo 13x20 with a small hole: only the tiles around it run", 13, 20, "patch", 1, False, 0.0, 1, 1, 12),
    ("photo 30x37 with a hole in its corner: restored on the window around it", 30, 37, "corner", 1, False, 0.0, 1,
     2, 10),
    ("photo 5x7, x4 super-resolution of a gray noisy photo", 5, 7, "none", 4, True, 0.3, 1, 1, 4),
    ("photo 6x11 with only noise: starts at its noise level", 6, 11, "none", 1, False, 0.3, 1, 2, 12),
    ("photo 10x13, x2 with lost pixels: starts from the photo filled, enlarged", 10, 13, "scattered", 2, False, 0.0, 1,
     2, 8),
    ("photo 17x24 that lost only its colour: colours chosen on a coarse copy, RePaint x2", 17, 24, "none", 1, True,
     0.0, 2, 2, 6),
    ("photo 30x60 with holes in opposite corners: a window each, one after another", 30, 60, "corners", 1, False,
     0.0, 1, 2, 10),
]


def opposite_corners_lost(h: int, w: int) -> torch.Tensor:
    known = torch.ones(h, w, dtype=torch.uint8)
    known[1:4, 1:5] = known[h - 6:h - 3, w - 6:] = 0
    return known


def photo_case(name: str, h: int, w: int, lost: str, downsample: int, grayscale: bool, sigma: float, resample: int,
               candidates: int, steps: int, seed: int, alphas_cumprod: torch.Tensor) -> dict[str, Any]:
    generator = torch.Generator().manual_seed(100 + seed)
    photo = 0.8 + 0.5 * torch.randn(CHANNELS, h, w, generator=generator, dtype=torch.float64)
    known = {"scattered": (torch.rand(h, w, generator=generator) < 0.7).to(torch.uint8),
             "patch": torch.ones(h, w, dtype=torch.uint8).index_fill_(0, torch.tensor([1, 2]), 0) | (
                 torch.arange(w) > 2).to(torch.uint8),
             "corner": torch.ones(h, w, dtype=torch.uint8).index_fill_(0, torch.arange(h - 6, h - 3), 0) | (
                 torch.arange(w) < w - 6).to(torch.uint8),
             "corners": opposite_corners_lost(h, w),
             "none": None}[lost]
    problem = photo_problem(photo, known, downsample, grayscale, TILE)
    d = problem.degradation
    noise_sampler, noise = recorded_noise(generator)
    offsets, drawn = recorded_offsets(generator, TILE)
    timesteps = restoration_timesteps(steps, alphas_cumprod, start_noise(problem, sigma))
    eta = DEFAULTS.ddnm_eta  # as the page restores photos: at the manifest's eta
    out = restore_photo(tile_aware(toy_eps_model(alphas_cumprod, "v")), problem, TILE, sigma, steps, resample,
                        candidates, alphas_cumprod, generator, eta, noise_sampler=noise_sampler, offsets=offsets)
    return {"name": name, "channels": CHANNELS, "height": h, "width": w, "tile": TILE, "eta": eta,
            "known": None if known is None else known.flatten().tolist(), "downsample": downsample,
            "grayscale": grayscale, "sigma_y": sigma, "resample": resample, "candidates": candidates,
            "steps": steps, "timesteps": timesteps, "photo": photo.flatten().tolist(), "canvas": [d.height, d.width],
            "y": problem.y.flatten().tolist(), "filled": problem.filled.flatten().tolist(),
            "only_noise": problem.only_noise, "noise": noise,
            "offsets": drawn, "out": out.flatten().tolist()}


def noise_level_case() -> dict[str, Any]:
    """A noisy image with saturated pixels (left out by the estimate) and an odd width (its last column unused)."""
    generator = torch.Generator().manual_seed(7)
    image = (torch.linspace(-1.2, 1.2, 9, dtype=torch.float64).repeat(3, 6, 1)
             + 0.1 * torch.randn(3, 6, 9, generator=generator, dtype=torch.float64)).clamp(-1, 1)
    return {"channels": 3, "height": 6, "width": 9, "image": image.flatten().tolist(),
            "sigma": estimate_noise_sigma(image)}


def resample_case() -> dict[str, Any]:
    """Two planes of 5x7 enlarged x2 and x4 by each kernel (edge taps repeat the edge), shrunk by 3 (partial blocks)."""
    image = torch.randn(2, 5, 7, generator=torch.Generator().manual_seed(8), dtype=torch.float64)
    return {"planes": 2, "height": 5, "width": 7, "image": image.flatten().tolist(),
            "enlarged": {f"{kernel} x{factor}": enlarge(image, factor, kernel).flatten().tolist()
                         for kernel in ("lanczos3", "linear") for factor in (2, 4)},
            "shrunk_by_3": shrink(image, 3).flatten().tolist()}


def golden(alphas_cumprod: Optional[torch.Tensor] = None) -> dict[str, Any]:
    """Every case, with the schedule: test/fixtures/restore-golden.json. `alphas_cumprod` replaces the cosine
    table (the tests replay the cases on the committed one, whose last bits depend on the PyTorch build)."""
    if alphas_cumprod is None:
        alphas_cumprod = alphas_cumprod_for("cosine", 1000)
    return {"schedule": "cosine", "prediction": "v", "alphas_cumprod": alphas_cumprod.tolist(),
            "cases": [case(*c, seed=i, alphas_cumprod=alphas_cumprod) for i, c in enumerate(CASES)],
            "tile_mean_weight": TILE_MEAN_WEIGHT,
            "photo_cases": [photo_case(*c, seed=i, alphas_cumprod=alphas_cumprod) for i, c in enumerate(PHOTO_CASES)],
            "noise_level": noise_level_case(), "resample": resample_case()}
