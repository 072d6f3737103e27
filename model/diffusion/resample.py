"""Enlarging an image by a whole factor with a separable kernel: the Python reference of
web/src/diffusion/resample.ts.

Super-resolution starts from the photo enlarged with Lanczos-3 (the sharpest of the classical
upscalers a visitor knows, as PIL's LANCZOS) and colourisation enlarges the colours it chose on a
coarse copy (`shrink`: the mean of each block) with the linear kernel. Pixel centres are aligned
(output pixel o samples the input at (o + 0.5) / factor - 0.5), the weights of each output pixel are
normalised to sum to 1, and the image's edge pixels repeat outside it.
"""
from __future__ import annotations

import math

import torch
import torch.nn.functional as F

KERNELS = {"lanczos3": 3, "linear": 1}  # name: support radius, in input pixels


def kernel_weight(kernel: str, distance: float) -> float:
    if kernel == "linear":
        return max(0.0, 1 - abs(distance))
    if distance == 0:
        return 1.0
    if abs(distance) >= 3:
        return 0.0
    x = math.pi * distance
    return 3 * math.sin(x) * math.sin(x / 3) / (x * x)


def axis_weights(length: int, factor: int, kernel: str) -> torch.Tensor:
    """The [length * factor, length] matrix that enlarges one axis of `length` pixels."""
    if kernel not in KERNELS:
        raise ValueError(f"unknown kernel {kernel!r}: use one of {sorted(KERNELS)}")
    radius = KERNELS[kernel]
    matrix = torch.zeros(length * factor, length, dtype=torch.float64)
    for out in range(length * factor):
        centre = (out + 0.5) / factor - 0.5
        first = math.floor(centre) - radius + 1
        taps = [(source, kernel_weight(kernel, centre - source)) for source in range(first, first + 2 * radius)]
        total = sum(weight for _, weight in taps)
        for source, weight in taps:
            matrix[out, min(max(source, 0), length - 1)] += weight / total
    return matrix


def enlarge(x: torch.Tensor, factor: int, kernel: str = "lanczos3") -> torch.Tensor:
    """x [..., h, w] enlarged to [..., factor * h, factor * w]."""
    rows = axis_weights(x.shape[-2], factor, kernel).to(x.dtype)
    columns = axis_weights(x.shape[-1], factor, kernel).to(x.dtype)
    return rows @ x @ columns.T


def shrink(x: torch.Tensor, factor: int) -> torch.Tensor:
    """x [..., H, W] averaged over factor x factor blocks to [..., ceil(H / factor), ceil(W / factor)]; a
    partial block at the bottom or right repeats the edge pixels."""
    height, width = x.shape[-2:]
    planes = F.pad(x.reshape(-1, 1, height, width), (0, -width % factor, 0, -height % factor), mode="replicate")
    small = F.avg_pool2d(planes, factor)
    return small.reshape(*x.shape[:-2], *small.shape[-2:])
