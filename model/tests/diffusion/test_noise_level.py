import pytest
import torch

from model.diffusion.noise_level import estimate_noise_sigma


def smooth_with_edges(height: int = 128, width: int = 160) -> torch.Tensor:
    """A photo-like [3, H, W] image in [-0.8, 0.8]: gentle gradients and waves, and a few sharp-edged boxes."""
    y, x = torch.meshgrid(torch.linspace(0, 1, height, dtype=torch.float64),
                          torch.linspace(0, 1, width, dtype=torch.float64), indexing="ij")
    base = torch.stack([0.5 * x - 0.2, 0.3 * torch.sin(6 * y) + 0.2 * x, 0.4 * (x * y) - 0.3])
    for top, left, level in ((10, 20, 0.35), (60, 90, -0.4), (90, 10, 0.25)):
        base[:, top:top + 30, left:left + 45] += level
    return base.clamp(-0.8, 0.8)


@pytest.mark.parametrize("level", [10, 25, 50])
def test_the_estimate_is_within_20_percent_of_the_true_noise(level):
    sigma = 2 * level / 255  # [-1, 1] units
    clean = smooth_with_edges()
    noise = torch.randn(clean.shape, generator=torch.Generator().manual_seed(level), dtype=torch.float64)
    assert estimate_noise_sigma(clean + sigma * noise) == pytest.approx(sigma, rel=0.2)


def test_a_clean_image_has_about_no_noise():
    assert estimate_noise_sigma(torch.full((3, 64, 64), 0.3)) == pytest.approx(0.0, abs=1e-9)
    assert estimate_noise_sigma(smooth_with_edges()) < 2 * 1 / 255  # below one level of 255


def test_saturated_blocks_are_left_out():
    """Clipping at white removes noise: a half-white image must not halve the estimate."""
    sigma = 2 * 25 / 255
    image = torch.zeros(3, 64, 64, dtype=torch.float64)
    image[:, :, 32:] = 1.0
    noisy = (image + sigma * torch.randn(image.shape, generator=torch.Generator().manual_seed(3),
                                         dtype=torch.float64)).clamp(-1, 1)
    assert estimate_noise_sigma(noisy) == pytest.approx(sigma, rel=0.2)


def test_bad_shapes_are_rejected():
    with pytest.raises(ValueError, match=r"\[C, H, W\]"):
        estimate_noise_sigma(torch.zeros(64, 64))
    with pytest.raises(ValueError, match="2x2"):
        estimate_noise_sigma(torch.zeros(3, 1, 64))
