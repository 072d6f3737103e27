import json

import numpy as np
import pytest
import torch
from PIL import Image

from model import eval as model_eval
from model import eval_photos
from model.baselines import bicubic, lanczos, navier_stokes, telea
from model.eval_photos import (Photo, as_8bit, centre_hole, downsampled, format_table, gray, noisy, photo_tasks,
                               save_rows, scratches)
from model.metrics import psnr
from model.tests.test_eval import small_run

TASKS = ["denoise_15", "denoise_15_estimated", "denoise_25", "denoise_25_estimated", "denoise_50",
         "denoise_50_estimated", "inpaint_50pct", "scratches", "hole", "super_resolution_x2", "super_resolution_x4",
         "colourise"]


def smooth_photo(height: int, width: int) -> torch.Tensor:
    y, x = torch.meshgrid(torch.linspace(-1, 1, height), torch.linspace(-1, 1, width), indexing="ij")
    return as_8bit(torch.stack([0.6 * x, 0.5 * torch.sin(3 * y), 0.4 * x * y]))


@pytest.fixture
def tiny_photos(monkeypatch):
    """A square photo and one that needs padding, instead of scikit-image's photos."""
    photos = [Photo("square", smooth_photo(32, 32)), Photo("wide", smooth_photo(36, 44))]
    for module in (eval_photos, model_eval):
        monkeypatch.setattr(module, "load_photos", lambda sizes, names: photos)
    return photos


def test_the_photos_section_runs_end_to_end(tiny_model, tiny_photos, tmp_path, capsys):  # noqa: F811
    ckpt, _ = tiny_model
    out = tmp_path / "photos" / "photos.json"
    eval_photos.main([ckpt, "--out", str(out), "--photos-sizes", "32", "--photo-steps", "2",
                      "--photo-candidates", "2"])
    photos = json.loads(out.read_text())
    assert (photos["steps"], photos["resample"], photos["candidates"], photos["tile"]) == (2, 1, 2, 32)
    assert [(r["task"], r["photo"]) for r in photos["runs"]] == [(t, p) for t in TASKS for p in ("square", "wide")]
    for r in photos["runs"]:
        factor = int(r["task"][-1]) if r["task"].startswith("super") else 1
        assert (r["height"], r["width"]) == ((32, 32) if r["photo"] == "square" else (36, 44))
        assert r["restored"]["psnr"] > 0
        # Denoising starts at the photo's noise level: in a run this short, one deterministic step, so only
        # the other tasks' candidates must differ.
        if not r["task"].startswith("denoise"):
            assert r["mean_of_candidates"]["psnr"] != r["restored"]["psnr"]
        assert r["wall_seconds"] >= 0 and all(b["psnr"] > 0 for b in r["baselines"].values())
        assert factor in (1, 2, 4)
    by_task = {r["task"]: r for r in photos["runs"] if r["photo"] == "wide"}
    assert set(by_task["denoise_25"]["baselines"]) == {"nl_means", "tv"}
    assert set(by_task["scratches"]["baselines"]) == {"telea", "navier_stokes"}
    assert set(by_task["super_resolution_x4"]["baselines"]) == {"bicubic", "lanczos"}
    assert by_task["denoise_25_estimated"]["noise_std_01"] == pytest.approx(25 / 255)
    assert abs(by_task["denoise_25_estimated"]["estimate_error"]) < 0.5
    with Image.open(out.parent / "photos-scratches.png") as picture:  # original | damaged | baseline | one | mean
        assert picture.size == (4 + 5 * (44 + 4), 4 + (32 + 4) + (36 + 4))
    table = capsys.readouterr().out
    assert "| 36x44 | hole | 1 |" in table and "| mean of 2 |" in table and "telea" in table


def test_model_eval_runs_the_section_only_when_asked(tiny_model, tiny_photos, cifar_binary, tmp_path,  # noqa: F811
                                                     capsys):
    ckpt, judge = tiny_model
    out = tmp_path / "metrics.json"
    model_eval.main(small_run(ckpt, judge, cifar_binary, out)
                    + ["--photos-sizes", "32", "--photo-steps", "1", "--photo-candidates", "1"])
    photos = json.loads(out.read_text())["photos"]
    assert len(photos["runs"]) == 2 * len(TASKS) and photos["candidates"] == 1
    assert "Photos restored at their own size" in capsys.readouterr().out
    with pytest.raises(SystemExit):
        model_eval.main(small_run(ckpt, judge, cifar_binary, out) + ["--photo-steps", "0"])
    assert "--photo-steps" in capsys.readouterr().err


def test_bad_flags_stop_with_reasons(tiny_model, tmp_path, capsys):  # noqa: F811
    ckpt, _ = tiny_model
    for flags, reason in ((["--tasks", "denoise_99"], "unknown tasks"), (["--photos-sizes", "30"], "divisible by 4"),
                          (["--photo-candidates", "0"], "must be positive"),
                          (["--photo-names", "lena"], "unknown photos ['lena']")):
        with pytest.raises(SystemExit):
            eval_photos.main([ckpt, "--out", str(tmp_path / "p.json"), *flags])
        assert reason in capsys.readouterr().err
    with pytest.raises(SystemExit, match="checkpoint not found"):
        eval_photos.main([str(tmp_path / "none.pt"), "--out", str(tmp_path / "p.json")])


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


def test_the_table_averages_over_photos_of_each_size():
    def run(photo: str, quality: float) -> dict:
        score = {"psnr": quality, "ssim": quality / 100}
        return {"photo": photo, "height": 32, "width": 32, "task": "hole", "damaged": score, "restored": score,
                "mean_of_candidates": score, "baselines": {"telea": score}, "wall_seconds": 2.0}

    table = format_table({"steps": 20, "resample": 1, "candidates": 4, "tile": 32,
                          "runs": [run("a", 20.0), run("b", 30.0)]})
    same = "25.00 / 0.250"
    assert f"| 32x32 | hole | 2 | {same} | telea {same} | {same} | {same} | 2.0 |  |" in table


def smooth_images(n: int) -> np.ndarray:
    y, x = np.mgrid[0:32, 0:32] / 31
    return np.stack([np.stack([x * (k + 1) / n, y, (x + y) / 2], axis=-1) for k in range(n)])


def test_both_opencv_inpainters_fill_holes_and_both_upscalers_upscale():
    clean = smooth_images(2)
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
