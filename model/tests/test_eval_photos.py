import json

import pytest
from PIL import Image

from model import eval as model_eval
from model.diffusion.defaults import DEFAULTS
from model import eval_photos
from model.evaluation.photos import Photo
from model.tests.evaluation.test_photos import TASKS, smooth_photo
from model.tests.test_eval import small_run


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
                      "--enlarge-steps", "3", "--enlarge-resample", "2", "--photo-candidates", "2"])
    photos = json.loads(out.read_text())
    assert (photos["steps"], photos["resample"], photos["candidates"], photos["tile"]) == (2, 1, 2, 32)
    assert (photos["enlarge_steps"], photos["enlarge_resample"]) == (3, 2)
    # Enlargements run at their own steps, as the page's enlarge_photo; every other task at the photo steps.
    assert {(r["task"], r["steps"], r["resample"]) for r in photos["runs"]} == {
        (t, *((3, 2) if t.startswith("super_resolution") else (2, 1))) for t in TASKS}
    assert [(r["task"], r["photo"]) for r in photos["runs"]] == [(t, p) for t in TASKS for p in ("square", "wide")]
    for r in photos["runs"]:
        factor = int(r["task"].split("_x")[1][0]) if r["task"].startswith("super") else 1
        assert (r["height"], r["width"]) == ((32, 32) if r["photo"] == "square" else (36, 44))
        assert r["restored"]["psnr"] > 0
        # Denoising starts at the photo's noise level: in a run this short, one deterministic step, so it runs
        # one restoration, as the page does; the other tasks' candidates differ.
        if r["task"].startswith("denoise"):
            assert r["candidates"] == 1 and r["mean_of_candidates"] == r["restored"]
        else:
            assert r["candidates"] == 2 and r["mean_of_candidates"]["psnr"] != r["restored"]["psnr"]
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
    assert "(2 steps, resample 1; enlargements 3 steps, resample 2;" in table


def test_any_folder_of_photos_can_be_evaluated(tiny_model, tmp_path, capsys):  # noqa: F811
    ckpt, _ = tiny_model
    folder = tmp_path / "mine"
    folder.mkdir()
    for name, size in (("beach.png", (40, 33)), ("street.jpg", (70, 36))):
        Image.effect_mandelbrot(size, (-2, -1.2, 1, 1.2), 60).convert("RGB").save(folder / name)
    out = tmp_path / "out" / "photos.json"
    eval_photos.main([ckpt, "--out", str(out), "--photos", str(folder), "--photos-sizes", "64", "--photo-steps", "2",
                      "--photo-candidates", "1", "--tasks", "hole,colourise"])
    runs = json.loads(out.read_text())["runs"]
    assert [(r["task"], r["photo"], r["height"], r["width"]) for r in runs] == [
        (task, *photo) for task in ("hole", "colourise") for photo in (("beach", 32, 40), ("street", 32, 64))]
    assert (out.parent / "photos-hole.png").exists()
    (tmp_path / "none").mkdir()
    with pytest.raises(SystemExit, match="no images"):
        eval_photos.main([ckpt, "--out", str(out), "--photos", str(tmp_path / "none")])
    capsys.readouterr()


def test_model_eval_runs_the_section_only_when_asked(tiny_model, tiny_photos, cifar_binary, tmp_path,  # noqa: F811
                                                     capsys):
    ckpt, judge = tiny_model
    out = tmp_path / "metrics.json"
    model_eval.main(small_run(ckpt, judge, cifar_binary, out)
                    + ["--photos-sizes", "32", "--photo-steps", "1", "--enlarge-steps", "2", "--photo-candidates", "1"])
    metrics = json.loads(out.read_text())
    photos = metrics["photos"]
    assert len(photos["runs"]) == 2 * len(TASKS) and photos["candidates"] == 1
    assert {r["steps"] for r in photos["runs"] if r["task"].startswith("super_resolution")} == {2}
    # Both measured settings, for model.export to make the manifest's restore_photo and enlarge_photo.
    assert (metrics["defaults"]["restore_photo"], metrics["defaults"]["enlarge_photo"]) == (
        {"steps": 1, "resample": DEFAULTS.restore_photo.resample},
        {"steps": 2, "resample": DEFAULTS.enlarge_photo.resample})
    assert "Photos restored at their own size" in capsys.readouterr().out
    with pytest.raises(SystemExit):
        model_eval.main(small_run(ckpt, judge, cifar_binary, out) + ["--photo-steps", "0"])
    assert "--photo-steps" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        model_eval.main(small_run(ckpt, judge, cifar_binary, out) + ["--enlarge-steps", "0"])
    assert "--enlarge-steps" in capsys.readouterr().err


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
