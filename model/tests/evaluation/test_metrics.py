import numpy as np
import pytest
import torch

from model.evaluation.metrics import frechet_distance, frechet_distance_stats, psnr, scores, ssim, to_unit_hwc


def gaussian(n: int, mean: np.ndarray, std: np.ndarray, seed: int) -> np.ndarray:
    return mean + std * np.random.default_rng(seed).standard_normal((n, len(mean)))


def test_frechet_distance_of_a_set_with_itself_is_zero():
    f = gaussian(500, np.zeros(8), np.ones(8), seed=0)
    assert frechet_distance(f, f) == pytest.approx(0.0, abs=1e-6)


def test_frechet_distance_grows_with_a_shift():
    a = gaussian(2000, np.zeros(4), np.ones(4), seed=1)
    b = gaussian(2000, np.zeros(4), np.ones(4), seed=2)
    near, far = frechet_distance(a, b), frechet_distance(a, b + 1.0)
    assert far > near + 3.5  # the shift alone adds |(1, 1, 1, 1)|^2 = 4
    assert near < 0.1


def test_frechet_distance_matches_the_closed_form_for_gaussians():
    """For diagonal covariances: |mu1 - mu2|^2 + sum (s1 - s2)^2."""
    mu1, mu2 = np.array([0.0, 1.0, -2.0]), np.array([0.5, 1.0, 0.0])
    s1, s2 = np.array([1.0, 2.0, 0.5]), np.array([3.0, 1.0, 0.5])
    exact = np.sum((mu1 - mu2) ** 2) + np.sum((s1 - s2) ** 2)
    assert frechet_distance_stats(mu1, np.diag(s1 ** 2), mu2, np.diag(s2 ** 2)) == pytest.approx(exact, rel=1e-9)
    # A rotated pair: the distance does not depend on the basis.
    q, _ = np.linalg.qr(np.random.default_rng(3).standard_normal((3, 3)))
    rotated = frechet_distance_stats(q @ mu1, q @ np.diag(s1 ** 2) @ q.T, q @ mu2, q @ np.diag(s2 ** 2) @ q.T)
    assert rotated == pytest.approx(exact, rel=1e-6)
    # And from samples, within sampling error.
    sampled = frechet_distance(gaussian(20000, mu1, s1, seed=4), gaussian(20000, mu2, s2, seed=5))
    assert sampled == pytest.approx(exact, rel=0.05)


def test_frechet_distance_rejects_sets_it_cannot_fit():
    with pytest.raises(ValueError, match="N >= 2"):
        frechet_distance(np.zeros((1, 3)), np.zeros((5, 3)))
    with pytest.raises(ValueError, match="feature sizes differ"):
        frechet_distance(np.random.rand(5, 3), np.random.rand(5, 4))


def test_psnr_and_ssim():
    rng = np.random.default_rng(6)
    clean = rng.random((3, 16, 16, 3))
    noisy = np.clip(clean + 0.1 * rng.standard_normal(clean.shape), 0, 1)
    mse = ((noisy - clean) ** 2).reshape(3, -1).mean(axis=1)
    assert psnr(noisy, clean) == pytest.approx(10 * np.log10(1 / mse))
    assert ssim(clean, clean) == pytest.approx(np.ones(3))
    assert (ssim(noisy, clean) < 0.95).all()
    assert to_unit_hwc(torch.tensor([[[[-1.0, 0.0]]]])).tolist() == [[[[0.0], [0.5]]]]


def test_scores_are_the_mean_psnr_and_ssim():
    rng = np.random.default_rng(8)
    clean = rng.random((2, 16, 16, 3))
    noisy = np.clip(clean + 0.1 * rng.standard_normal(clean.shape), 0, 1)
    assert scores(noisy, clean) == {"psnr": float(psnr(noisy, clean).mean()), "ssim": float(ssim(noisy, clean).mean())}
