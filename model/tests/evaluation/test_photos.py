import numpy as np
import pytest
import torch
from PIL import Image

from model.evaluation.photos import (as_8bit, centre_hole, downsampled, drawn_character, folder_photos, gray,
                                     noisy, photo_tasks, save_rows, scratches, shrunk_by_pil)

TASKS = ["denoise_15", "denoise_15_estimated", "denoise_25", "denoise_25_estimated", "denoise_50",
         "denoise_50_estimated", "inpaint_50pct", "scratches", "hole", "super_resolution_x2", "super_resolution_x4",
         "super_resolution_x4_pil", "super_resolution_x4_pil_jpeg85", "colourise"]


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
    resized = shrunk_by_pil(4, None, clean, rng)
    assert resized.photo.shape == (3, 16, 24) and resized.downsample == 4
    assert torch.equal(resized.photo, as_8bit(resized.photo))
    # Antialiased bicubic is close to average pooling, not equal to it; JPEG adds its own error on top.
    pooled_error = float((resized.photo - low.photo).abs().mean())
    assert 0 < pooled_error < 0.05
    assert float((shrunk_by_pil(4, 85, clean, rng).photo - resized.photo).abs().mean()) > 0
    colourless = gray(clean, rng)
    assert colourless.grayscale and torch.allclose(colourless.photo[0], colourless.photo[2])


def test_rows_of_different_sizes_make_one_picture(tmp_path):
    path = tmp_path / "rows.png"
    save_rows([[torch.zeros(3, 8, 8)] * 2, [torch.ones(3, 12, 20)]], str(path), pad=2)
    with Image.open(path) as picture:
        assert picture.size == (2 + 20 + 2, 2 + 8 + 2 + 12 + 2)


def test_the_drawn_character_has_flat_colours_and_hard_outlines():
    picture = drawn_character(128)
    assert picture.shape == (3, 128, 128)
    colours, counts = torch.unique(picture.reshape(3, -1).T, dim=0, return_counts=True)
    assert len(colours) <= 12  # flat fills, no antialiased edge colours
    black = (colours == -1).all(dim=1)
    assert black.any() and counts[black].sum() > 0.02 * 128 * 128  # outlines
    assert torch.equal(picture, drawn_character(128))  # drawn, not random


def test_a_folder_of_photos_is_read_shrunk_and_cropped_to_multiples_of_4(tmp_path):
    # Pillow 9 (Debian's) has no annotations, so pyright types Image.new's color as its default's int.
    Image.new("RGB", (150, 101), (200, 30, 30)).save(tmp_path / "b-wide.jpg")  # pyright: ignore[reportArgumentType]
    Image.new("L", (30, 41), 128).save(tmp_path / "a-small.png")
    (tmp_path / "notes.txt").write_text("not an image")
    photos = folder_photos(str(tmp_path), 128)
    assert [(p.name, tuple(p.image.shape)) for p in photos] == [("a-small", (3, 40, 28)), ("b-wide", (3, 84, 128))]
    assert float(photos[1].image[0].mean()) == pytest.approx(200 / 127.5 - 1, abs=0.02)
    (tmp_path / "empty").mkdir()
    with pytest.raises(ValueError, match="no images"):
        folder_photos(str(tmp_path / "empty"), 128)
