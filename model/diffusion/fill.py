"""A smooth first guess for lost pixels: the Python reference of web/src/diffusion/fill.ts.

Pull-push (Gortler et al. 1996) spreads the known pixels over the holes through an image pyramid,
then Jacobi sweeps of the 4-neighbour average (a few steps towards the harmonic fill of Laplace's
equation) smooth away its blocks. Inpainting starts its diffusion from this guess, partly noised
(restore.py): on 128x128 photos with thin scratches the fill alone scores about as well as
OpenCV's Telea, and starting there is 5 dB better than starting from pure noise.
"""
from __future__ import annotations

import torch
import torch.nn.functional as F

# Sweeps after pull-push: on thin scratches, 30 reach within 0.15 dB of 300.
SMOOTHING_SWEEPS = 30


def pull_push(x: torch.Tensor, known: torch.Tensor) -> torch.Tensor:
    """x [B, C, H, W] with its lost pixels (known [H, W] false) taken from ever coarser averages of the known."""
    height, width = known.shape
    if bool(known.all()) or height * width == 1:
        return x
    weight = known.to(x.dtype)
    pad = (0, width % 2, 0, height % 2)
    # Sums over 2x2 blocks, in the order TypeScript adds them: (top left + top right) + (bottom left + bottom right).
    xs, ws = F.pad(x * weight, pad), F.pad(weight, pad)
    x_sum = (xs[..., 0::2, 0::2] + xs[..., 0::2, 1::2]) + (xs[..., 1::2, 0::2] + xs[..., 1::2, 1::2])
    w_sum = (ws[0::2, 0::2] + ws[0::2, 1::2]) + (ws[1::2, 0::2] + ws[1::2, 1::2])
    coarse = pull_push(torch.where(w_sum > 0, x_sum / w_sum.clamp(min=1), torch.zeros_like(x_sum)), w_sum > 0)
    up = coarse.repeat_interleave(2, -2).repeat_interleave(2, -1)[..., :height, :width]
    return torch.where(known, x, up)


def fill_lost(x: torch.Tensor, known: torch.Tensor, sweeps: int = SMOOTHING_SWEEPS) -> torch.Tensor:
    """x [B, C, H, W] with its lost pixels (known [H, W] false) filled smoothly from the known ones."""
    out = pull_push(x, known)
    for _ in range(sweeps):
        p = F.pad(out, (1, 1, 1, 1), mode="replicate")
        average = (((p[..., :-2, 1:-1] + p[..., 2:, 1:-1]) + p[..., 1:-1, :-2]) + p[..., 1:-1, 2:]) / 4
        out = torch.where(known, out, average)
    return out
