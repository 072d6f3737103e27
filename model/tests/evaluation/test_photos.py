import numpy as np
import pytest
import torch
from PIL import Image

from model.evaluation.photos import as_8bit, centre_hole, downsampled, gray, noisy, photo_tasks, save_rows, scratches

TASKS = ["denoise_15", "denoise_15_estimated", "denoise_25", "denoise_25_estimated", "denoise_50",
         "denoise_50_estimated", "inpaint_50pct", "scratches", "hole", "super_resolution_x2", "super_resolution_x4",
         "colourise"]


def smooth_photo(height: int, width: int) -> torch.Tensor:
    y, x = torch.meshgrid(torch.linspace(-1, 1, height), torch.linspace(-1, 1, width), indexing="ij")
    return as_8bit(torch.stack([0.6 * x, 0.5 * torch.sin(3 * y), 0.4 * x * y]))


def test_the_damage_is_what_the_task_says():
    clean, rng = smooth_photo(64, 96), np.random.default_rng(0)
    assert [t.name for t in photo_tasks()] == TASKS
    damaged = noisy(25, True, clean, rng)
    assert torch.equal(damaged.photo, as_8bit(damaged.photo))  # 8-bit, as a saved photo
    assert damaged.sigma == pytest.approx(2 * damaged.facts["estimated_std_01"])
    assert damaged.facts["estimate_error"] == pytest.approx(0, abs=0.2)
    assert noisy(25, False, clean, rng).sigma == pytest.approx(2 * 25 / 255)
    lines = scratches(64, 96, np.random.default_rng(1))
    assert 0.01 < lines.mean() < 0.2
    hole = centre_hole(64, 96, rng)
    assert hole.sum() == 16 * 16 and hole[24:40, 40:56].all()
    low = downsampled(4, clean, rng)
    assert low.photo.shape == (3, 16, 24) and low.downsample == 4
    assert torch.allclose(low.photo[:, 0, 0], clean[:, :4, :4].mean(dim=(1, 2)))
    colourless = gray(clean, rng)
    assert colourless.grayscale and torch.allclose(colourless.photo[0], colourless.photo[2])


def test_rows_of_different_sizes_make_one_picture(tmp_path):
    path = tmp_path / "rows.png"
    save_rows([[torch.zeros(3, 8, 8)] * 2, [torch.ones(3, 12, 20)]], str(path), pad=2)
    with Image.open(path) as picture:
        assert picture.size == (2 + 20 + 2, 2 + 8 + 2 + 12 + 2)
