"""Classical restoration baselines from real libraries, for the evaluation to stand the diffusion prior beside.

Images are float [0, 1] NHWC numpy arrays. Denoisers whose strength is a free parameter are tuned
by `best_of` on the very images they are scored on: an oracle choice that can only flatter them.
"""
from __future__ import annotations

import itertools
from typing import Any, Callable, Optional

import cv2
import numpy as np
from skimage.restoration import denoise_nl_means, denoise_tv_chambolle

from .metrics import psnr

Restorer = Callable[..., np.ndarray]


def nl_means(damaged: np.ndarray, sigma: float, h: float) -> np.ndarray:
    """Non-local means (Buades et al. 2005; scikit-image), told the true noise std; h is in units of sigma."""
    return np.stack([denoise_nl_means(image, h=h * sigma, sigma=sigma, patch_size=5, patch_distance=6,
                                      fast_mode=True, channel_axis=-1) for image in damaged])


def total_variation(damaged: np.ndarray, weight: float) -> np.ndarray:
    """Total-variation denoising (Chambolle 2004; scikit-image)."""
    return np.stack([denoise_tv_chambolle(image, weight=weight, channel_axis=-1) for image in damaged])


def opencv_inpaint(damaged: np.ndarray, lost: np.ndarray, method: int, radius: int = 3) -> np.ndarray:
    """OpenCV's inpainting (`method`: cv2.INPAINT_TELEA or cv2.INPAINT_NS) of the pixels where `lost` [H, W] is true."""
    mask = lost.astype(np.uint8) * 255
    out = [cv2.inpaint(np.round(image * 255).astype(np.uint8), mask, radius, method) for image in damaged]
    return np.stack(out).astype(np.float64) / 255


def telea(damaged: np.ndarray, lost: np.ndarray, radius: int = 3) -> np.ndarray:
    """Fast-marching inpainting (Telea 2004; OpenCV)."""
    return opencv_inpaint(damaged, lost, cv2.INPAINT_TELEA, radius)


def navier_stokes(damaged: np.ndarray, lost: np.ndarray, radius: int = 3) -> np.ndarray:
    """Inpainting by fluid dynamics (Bertalmio et al. 2001; OpenCV): isophotes carried into the hole."""
    return opencv_inpaint(damaged, lost, cv2.INPAINT_NS, radius)


def upscale(low: np.ndarray, factor: int, interpolation: int) -> np.ndarray:
    """OpenCV upscaling of low-resolution images [N, h, w, C] by `factor`, clipped to [0, 1]."""
    n, h, w, c = low.shape
    out = [cv2.resize(image.astype(np.float32), (w * factor, h * factor), interpolation=interpolation)
           for image in low]
    return np.clip(np.stack(out).reshape(n, h * factor, w * factor, c), 0, 1).astype(np.float64)


def bicubic(low: np.ndarray, factor: int) -> np.ndarray:
    """Bicubic upscaling (OpenCV)."""
    return upscale(low, factor, cv2.INTER_CUBIC)


def lanczos(low: np.ndarray, factor: int) -> np.ndarray:
    """Lanczos upscaling over 8x8 neighbours (OpenCV): sharper than bicubic, with more ringing."""
    return upscale(low, factor, cv2.INTER_LANCZOS4)


def best_of(restore: Restorer, damaged: np.ndarray, clean: np.ndarray,
            grid: dict[str, list[float]]) -> tuple[np.ndarray, dict[str, Any]]:
    """The output and settings, among every combination in `grid`, with the best mean PSNR against `clean`."""
    if not grid or not all(grid.values()):
        raise ValueError(f"best_of needs at least one value per setting, got {grid}")
    best: Optional[tuple[float, np.ndarray, dict[str, Any]]] = None  # only the best output is kept
    for values in itertools.product(*grid.values()):
        params = dict(zip(grid, values))
        out = restore(damaged, **params)
        quality = float(psnr(out, clean).mean())
        if best is None or quality > best[0]:
            best = (quality, out, params)
    assert best is not None
    return best[1], best[2]
