"""Image-quality numbers: the Frechet distance between feature sets, and PSNR and SSIM per image.

The Frechet distance between two Gaussians fitted to feature sets (Heusel et al. 2017, "GANs
trained by a two time-scale update rule", the definition behind FID):
    d^2 = |mu_1 - mu_2|^2 + Tr(S_1 + S_2 - 2 (S_1 S_2)^(1/2)).
Here the features come from the project's own CIFAR-10 classifier, not Inception, so the numbers
are not comparable with published FID. Images for PSNR and SSIM are float [-1, 1] NCHW and are
scored on the [0, 1] scale, per image, then averaged.
"""
from __future__ import annotations

import numpy as np
import scipy.linalg
import torch
from skimage.metrics import structural_similarity

NOT_FID = ("Frechet distance in the feature space of the project's CIFAR-10 classifier (model/weights/classifier.pt), "
           "not Inception: not comparable with published FID")


def gaussian_stats(features: torch.Tensor | np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Mean and covariance (unbiased) of features [N, D]."""
    f = np.asarray(features, dtype=np.float64)
    if f.ndim != 2 or f.shape[0] < 2:
        raise ValueError(f"need features [N, D] with N >= 2 to fit a Gaussian, got shape {f.shape}")
    return f.mean(axis=0), np.cov(f, rowvar=False)


def frechet_distance_stats(mu1: np.ndarray, cov1: np.ndarray, mu2: np.ndarray, cov2: np.ndarray) -> float:
    """The squared Frechet distance between N(mu1, cov1) and N(mu2, cov2)."""
    if mu1.shape != mu2.shape or cov1.shape != cov2.shape:
        raise ValueError(f"feature sizes differ: {mu1.shape} vs {mu2.shape}")
    covmean, _ = scipy.linalg.sqrtm(cov1 @ cov2, disp=False)
    if not np.isfinite(covmean).all():
        # Singular product (fewer samples than features): offset both covariances slightly, as pytorch-fid does.
        offset = np.eye(cov1.shape[0]) * 1e-6
        covmean, _ = scipy.linalg.sqrtm((cov1 + offset) @ (cov2 + offset), disp=False)
    covmean = np.real(covmean)  # rounding leaves tiny imaginary parts
    diff = mu1 - mu2
    return float(diff @ diff + np.trace(cov1) + np.trace(cov2) - 2 * np.trace(covmean))


def frechet_distance(features1: torch.Tensor | np.ndarray, features2: torch.Tensor | np.ndarray) -> float:
    """The squared Frechet distance between Gaussians fitted to two feature sets [N, D] and [M, D]."""
    return frechet_distance_stats(*gaussian_stats(features1), *gaussian_stats(features2))


def to_unit_hwc(images: torch.Tensor) -> np.ndarray:
    """[-1, 1] float NCHW to [0, 1] float64 NHWC, clipped."""
    return ((images.detach().double().cpu().clamp(-1, 1) + 1) / 2).permute(0, 2, 3, 1).numpy()


def psnr(restored: np.ndarray, clean: np.ndarray) -> np.ndarray:
    """PSNR in dB per image of [0, 1] NHWC arrays (peak 1)."""
    mse = ((restored - clean) ** 2).reshape(len(clean), -1).mean(axis=1)
    return 10 * np.log10(1 / np.maximum(mse, 1e-12))


def ssim(restored: np.ndarray, clean: np.ndarray) -> np.ndarray:
    """SSIM per image of [0, 1] NHWC arrays (Wang et al. 2004; scikit-image, 7x7 window)."""
    return np.array([structural_similarity(r, c, channel_axis=-1, data_range=1.0) for r, c in zip(restored, clean)])


def scores(restored: np.ndarray, clean: np.ndarray) -> dict[str, float]:
    """Mean PSNR and SSIM of [0, 1] NHWC restorations against the originals."""
    return {"psnr": float(psnr(restored, clean).mean()), "ssim": float(ssim(restored, clean).mean())}
