"""Restoration of held-out test images as the page does it (diffusion/restore.py: DDNM+ with RePaint
resampling, the unconditional prior): PSNR and SSIM for denoising, inpainting, x4 super-resolution
and colourisation, for one restoration and for the mean of several candidates (the page's "average"
setting), each beside classical baselines (baselines.py), and the classifier's accuracy on the
original, damaged, baseline and restored images.
"""
from __future__ import annotations

import functools
import os
import time
from dataclasses import dataclass
from typing import Any, Callable

import numpy as np
import torch
import torch.nn.functional as F

from ..diffusion.guidance import guided_eps_model
from ..diffusion.defaults import DEFAULTS
from ..diffusion.restore import Degradation, damage, mean_of_candidates, photo_problem, restore_photo
from ..diffusion.samplers import EpsModel, default_noise
from ..diffusion.schedule import Diffusion
from ..networks.unet import UNet
from ..training.data import subset
from ..training.images import save_grid
from .baselines import best_of, bicubic, nl_means, telea, total_variation
from .judge import Judge
from .metrics import scores, to_unit_hwc
from .report import log

# Tiles per network call, as the page runs them (web/src/inference/restore-job.ts): a 256x256 photo with
# 4 candidates runs 324 tiles a step, and chunks keep the network's memory flat.
TILE_BATCH = 32

Baseline = Callable[[np.ndarray, np.ndarray, torch.Tensor], tuple[np.ndarray, dict[str, Any]]]


@dataclass
class RestorationSettings:
    images: int  # held-out test images
    steps: int
    resample: int
    candidates: int  # restorations per image, also scored as their mean
    seed: int
    batch: int


def unconditional_tile_eps(net: UNet, diffusion: Diffusion) -> EpsModel:
    """The prior without a class, on any number of tiles, TILE_BATCH tiles per network call."""
    null = net.config.num_classes

    def eps_model(x: torch.Tensor, t: float) -> torch.Tensor:
        return torch.cat([guided_eps_model(net, torch.full((len(part),), null), 0.0, null, diffusion.alphas_cumprod,
                                           diffusion.config.prediction)(part, t) for part in x.split(TILE_BATCH)])

    return eps_model


@dataclass
class Task:
    """One restoration problem: what the page's operator measures, the pixel noise, and the classical rivals."""
    name: str
    degradation: Degradation
    sigma: float  # std of the pixel noise, in the model's [-1, 1] units
    baselines: dict[str, Baseline]


def lost_pixels(degradation: Degradation) -> np.ndarray:
    """[H, W] true where A measures nothing."""
    ones = torch.ones(1, degradation.out_channels, degradation.out_height, degradation.out_width)
    return (degradation.pinv(ones)[0, 0] == 0).numpy()


def restoration_tasks(size: int, channels: int, seed: int) -> list[Task]:
    """The tasks measured on model-sized images: denoising at sigma 25/255 and 50/255, a centre box, 50% missing
    pixels, x4, colour."""
    tasks = []
    for level in (25, 50):
        sigma01 = level / 255
        tasks.append(Task(f"denoise_{level}", Degradation(size, channels), 2 * sigma01, {
            "nl_means": lambda d, c, y, s=sigma01: best_of(functools.partial(nl_means, sigma=s), d, c,
                                                           {"h": [0.4, 0.6, 0.8, 1.0, 1.2]}),
            "tv": lambda d, c, y, s=sigma01: best_of(total_variation, d, c, {"weight": [s / 4, s / 2, s, 2 * s]})}))
    box = torch.ones(size, size, dtype=torch.uint8)
    box[size // 4:size - size // 4, size // 4:size - size // 4] = 0
    scattered = (torch.rand(size, size, generator=torch.Generator().manual_seed(seed)) < 0.5).to(torch.uint8)
    for name, mask in (("inpaint_box", box), ("inpaint_50pct", scattered)):
        degradation = Degradation(size, channels, mask=mask)
        tasks.append(Task(name, degradation, 0.0,
                          {"telea": lambda d, c, y, lost=lost_pixels(degradation): (telea(d, lost), {})}))
    tasks.append(Task("super_resolution_x4", Degradation(size, channels, downsample=4), 0.0,
                      {"bicubic": lambda d, c, y: (bicubic(to_unit_hwc(y), 4), {})}))
    if channels > 1:
        tasks.append(Task("colourise", Degradation(size, channels, grayscale=True), 0.0,
                          {"gray": lambda d, c, y: (d, {})}))
    return tasks


def restore_batched(net: UNet, diffusion: Diffusion, task: Task, damaged: torch.Tensor, steps: int,
                    resample: int, candidates: int, seed: int, batch: int) -> torch.Tensor:
    """As the page's demo restores a damaged image (diffusion/restore.py, restore_photo): the image as the
    visitor has it (average-pooled to the measured size; its independent noise shrunk by the pooling
    and the averaging to gray) and its
    known pixels, with the unconditional prior; `candidates` restorations of each image, consecutive
    in the result ([len(damaged) * candidates, ...])."""
    d = task.degradation
    photos = F.avg_pool2d(damaged, d.factor)
    tile_eps = unconditional_tile_eps(net, diffusion)
    out = []
    for k, i in enumerate(range(0, len(photos), batch)):
        problem = photo_problem(photos[i:i + batch], d.known.to(torch.uint8), d.factor, d.out_channels == 1,
                                net.config.image_size)
        out.append(restore_photo(tile_eps, problem, net.config.image_size, task.sigma * d.noise_gain, steps, resample,
                                 candidates, diffusion.alphas_cumprod, torch.Generator().manual_seed(seed + k)))
    return torch.cat(out).clamp(-1, 1)


@dataclass
class HeldOut:
    """The test images every task damages, in both layouts, and the classifier's accuracy on them."""
    images: torch.Tensor  # [B, C, H, W] in [-1, 1]
    labels: torch.Tensor
    images01: np.ndarray  # [B, H, W, C] in [0, 1], as the metrics and baselines take them
    accuracy: float


def evaluate_task(net: UNet, diffusion: Diffusion, judge: Judge, task: Task, held: HeldOut,
                  settings: RestorationSettings, out_dir: str) -> dict[str, Any]:
    """Scores one restoration (the first candidate, as the page's default gives) and the mean of all candidates."""
    clean, labels, clean01 = held.images, held.labels, held.images01
    damaged = damage(clean, task.degradation, task.sigma, default_noise(torch.Generator().manual_seed(settings.seed)))
    y = task.degradation.apply(damaged)
    began = time.time()
    candidates = restore_batched(net, diffusion, task, damaged, settings.steps, settings.resample,
                                 settings.candidates, settings.seed, settings.batch)
    restored = candidates[::settings.candidates]
    averaged = mean_of_candidates(candidates, settings.candidates)
    damaged01 = to_unit_hwc(damaged)
    result: dict[str, Any] = {"noise_std_01": task.sigma / 2, "restored": scores(to_unit_hwc(restored), clean01),
                              "mean_of_candidates": scores(to_unit_hwc(averaged), clean01),
                              "damaged": scores(damaged01, clean01), "baselines": {},
                              "wall_seconds": round(time.time() - began, 1)}
    accuracy = {"original": held.accuracy, "damaged": judge.accuracy(damaged.clamp(-1, 1), labels),
                "restored": judge.accuracy(restored, labels), "mean_of_candidates": judge.accuracy(averaged, labels)}
    grid_rows = [clean, damaged]
    for name, baseline in task.baselines.items():
        out01, params = baseline(damaged01, clean01, y)
        out = torch.from_numpy(out01).permute(0, 3, 1, 2).float() * 2 - 1
        result["baselines"][name] = {**scores(out01, clean01), "params": params}
        accuracy[name] = judge.accuracy(out, labels)
        grid_rows.append(out)
    result["class_accuracy"] = accuracy
    columns = min(8, len(clean))
    save_grid(torch.cat([row[:columns].float() for row in grid_rows + [restored, averaged]]),
              os.path.join(out_dir, f"restore-{task.name}.png"), columns=columns)
    return result


def evaluate_restoration(net: UNet, diffusion: Diffusion, judge: Judge, test_images: torch.Tensor,
                         test_labels: torch.Tensor, settings: RestorationSettings, out_dir: str) -> dict[str, Any]:
    """The metrics' "restoration": every task on a subset of the test images (float, [-1, 1]); writes
    restore-<task>.png into out_dir."""
    index = subset(settings.images, len(test_images), settings.seed + 1)
    clean, clean_labels = test_images[index], test_labels[index]
    held = HeldOut(clean, clean_labels, to_unit_hwc(clean), judge.accuracy(clean, clean_labels))
    restoration: dict[str, Any] = {"images": len(clean), "steps": settings.steps, "resample": settings.resample,
                                   "candidates": settings.candidates, "eta": DEFAULTS.ddnm_eta, "seed": settings.seed,
                                   "prior": "unconditional (null class)", "tasks": {}}
    for task in restoration_tasks(net.config.image_size, net.config.in_channels, settings.seed):
        log(f"restoration: {task.name} on {len(clean)} test images")
        restoration["tasks"][task.name] = evaluate_task(net, diffusion, judge, task, held, settings, out_dir)
    return restoration
