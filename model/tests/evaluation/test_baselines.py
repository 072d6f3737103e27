import numpy as np
import pytest

from model.evaluation.baselines import best_of, bicubic, lanczos, navier_stokes, nl_means, telea, total_variation
from model.evaluation.metrics import psnr


def smooth_images(n: int, size: int = 16) -> np.ndarray:
    y, x = np.mgrid[0:size, 0:size] / (size - 1)
    return np.stack([np.stack([x * (k + 1) / n, y, (x + y) / 2], axis=-1) for k in range(n)])


def test_denoisers_remove_noise():
    clean = smooth_images(2)
    noisy = np.clip(clean + 0.1 * np.random.default_rng(7).standard_normal(clean.shape), 0, 1)
    for restored in (nl_means(noisy, sigma=0.1, h=0.8), total_variation(noisy, weight=0.1)):
        assert (psnr(restored, clean) > psnr(noisy, clean) + 3).all()


def test_telea_fills_holes_and_bicubic_upscales():
    clean = smooth_images(2)
    lost = np.zeros((16, 16), dtype=bool)
    lost[6:10, 6:10] = True
    holed = np.where(lost[None, :, :, None], 0.0, clean)
    assert (psnr(telea(holed, lost), clean) > psnr(holed, clean) + 10).all()
    low = clean.reshape(2, 4, 4, 4, 4, 3).mean(axis=(2, 4))
    up = bicubic(low, 4)
    assert up.shape == clean.shape and (psnr(up, clean) > 25).all()


def test_best_of_picks_the_setting_with_the_best_psnr():
    clean = smooth_images(1)
    out, params = best_of(lambda d, shift: d + shift, clean + 0.2, clean, {"shift": [0.0, -0.2, -0.1]})
    assert params == {"shift": -0.2} and np.allclose(out, clean)
    with pytest.raises(ValueError, match="at least one value"):
        best_of(lambda d: d, clean, clean, {"shift": []})


def test_both_opencv_inpainters_fill_holes_and_both_upscalers_upscale():
    clean = smooth_images(2, 32)
    lost = np.zeros((32, 32), dtype=bool)
    lost[12:20, 12:20] = True
    holed = np.where(lost[None, :, :, None], 0.0, clean)
    for inpaint in (telea, navier_stokes):
        filled = inpaint(holed, lost)
        assert (psnr(filled, clean) > psnr(holed, clean) + 10).all()
        assert np.abs(filled - clean)[:, ~lost].max() <= 0.5 / 255 + 1e-9  # known pixels kept (8-bit rounding)
    assert not np.array_equal(telea(holed, lost), navier_stokes(holed, lost))
    low = clean.reshape(2, 8, 4, 8, 4, 3).mean(axis=(2, 4))
    for upscale in (bicubic, lanczos):
        up = upscale(low, 4)
        assert up.shape == clean.shape and (psnr(up, clean) > 25).all() and 0 <= up.min() and up.max() <= 1
    assert not np.array_equal(bicubic(low, 4), lanczos(low, 4))
