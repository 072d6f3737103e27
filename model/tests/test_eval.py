import json
import math

import pytest

from model.diffusion.defaults import DEFAULTS
from model.eval import main
from model.evaluation.metrics import NOT_FID


def small_run(ckpt: str, judge: str, data, out) -> list[str]:
    return [ckpt, "--data", str(data), "--out", str(out), "--classifier", judge, "--samples", "12",
            "--sweep-samples", "4", "--steps", "2,3", "--samplers", "ddim,dpmpp_2m", "--guidances", "1,3",
            "--restore-images", "3", "--restore-steps", "3", "--candidates", "2", "--batch", "5"]


def test_a_tiny_end_to_end_run_writes_metrics_and_grids(tiny_model, cifar_binary, tmp_path, capsys):
    ckpt, judge = tiny_model
    out = tmp_path / "eval" / "metrics.json"
    main(small_run(ckpt, judge, cifar_binary, out))
    metrics = json.loads(out.read_text())
    assert metrics["note"] == NOT_FID
    g = metrics["generation"]
    assert (g["samples"], g["sampler"], g["steps"], g["guidance"], g["seed"]) == (
        12, DEFAULTS.generate.sampler, DEFAULTS.generate.steps, DEFAULTS.generate.guidance, 0)
    assert g["guidance_interval"] == DEFAULTS.to_json()["generate"]["guidance_interval"]
    # What it measured at, for model.export to make the manifest's defaults.
    assert metrics["defaults"] == {**DEFAULTS.to_json(), "restore": {"steps": 3, "resample": DEFAULTS.restore.resample}}
    assert g["frechet_distance"] > 0 and 0 <= g["class_accuracy"] <= 1
    assert g["real_test"]["samples"] == 4  # the synthetic test split has only 4 images: the count says so
    assert [(r["sampler"], r["steps"], r["samples"]) for r in metrics["steps_sweep"]["runs"]] == [
        ("ddim", 2, 4), ("ddim", 3, 4), ("dpmpp_2m", 2, 4), ("dpmpp_2m", 3, 4)]
    main_settings = (DEFAULTS.generate.sampler, DEFAULTS.generate.steps)
    assert [(r["sampler"], r["steps"], r["guidance"]) for r in metrics["guidance_sweep"]["runs"]] == [
        (*main_settings, 1.0), (*main_settings, 3.0)]
    tasks = metrics["restoration"]["tasks"]
    assert list(tasks) == ["denoise_25", "denoise_50", "inpaint_box", "inpaint_50pct", "super_resolution_x4",
                           "colourise"]
    assert set(tasks["denoise_25"]["baselines"]) == {"nl_means", "tv"}
    assert set(tasks["denoise_50"]["class_accuracy"]) == {"original", "damaged", "nl_means", "tv", "restored",
                                                          "mean_of_candidates"}
    assert (metrics["restoration"]["images"], metrics["restoration"]["candidates"]) == (3, 2)
    for name, task in tasks.items():
        assert all(v["psnr"] > 0 for v in task["baselines"].values()) and task["restored"]["psnr"] > 0
        # Denoising starts at the image's noise level: in a run this short, one deterministic step, so only
        # the other tasks' candidates must differ.
        if not name.startswith("denoise"):
            assert task["mean_of_candidates"]["psnr"] != task["restored"]["psnr"]
    # The damaged images really are damaged, by the amount asked for.
    assert tasks["denoise_25"]["damaged"]["psnr"] == pytest.approx(20 * math.log10(255 / 25), abs=1)
    assert tasks["denoise_50"]["damaged"]["psnr"] < tasks["denoise_25"]["damaged"]["psnr"]
    names = {p.name for p in out.parent.iterdir()}
    assert {"samples.png", "restore-inpaint_box.png", "restore-colourise.png"} <= names
    table = capsys.readouterr().out
    assert "not comparable with published FID" in table and "| inpaint_box |" in table and "| mean of 2 |" in table
    assert f"| guidance ({DEFAULTS.generate.sampler}, {DEFAULTS.generate.steps} steps) |" in table


def test_bad_inputs_stop_with_reasons(tiny_model, cifar_binary, tmp_path, capsys):
    ckpt, judge = tiny_model
    out = tmp_path / "m.json"
    with pytest.raises(SystemExit, match="classifier not found"):
        main(small_run(ckpt, str(tmp_path / "none.pt"), cifar_binary, out))
    with pytest.raises(SystemExit, match="CIFAR-10 not found|image folder not found"):
        main(small_run(ckpt, judge, tmp_path / "nowhere", out))
    with pytest.raises(SystemExit, match="checkpoint not found"):
        main(small_run(str(tmp_path / "none.pt"), judge, cifar_binary, out))
    with pytest.raises(SystemExit):
        main(small_run(ckpt, judge, cifar_binary, out) + ["--samples", "1"])
    assert "at least 2" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        main(small_run(ckpt, judge, cifar_binary, out) + ["--samplers", "euler"])
    assert "unknown samplers ['euler']" in capsys.readouterr().err
    assert not out.exists()


def test_int8_is_measured_on_the_same_samples_beside_fp32(tiny_model, cifar_binary, tmp_path):
    ckpt, judge = tiny_model
    out = tmp_path / "eval" / "metrics.json"
    # Without restoration (--restore-images 0): a distilled student's page restores with its teacher.
    main(small_run(ckpt, judge, cifar_binary, out) + ["--int8", "--restore-images", "0"])
    metrics = json.loads(out.read_text())
    assert "restoration" not in metrics and not list(out.parent.glob("restore-*.png"))
    int8 = metrics["int8"]
    assert int8["samples"] == metrics["generation"]["samples"] == 12
    assert int8["fp32_frechet_distance"] == metrics["generation"]["frechet_distance"]
    assert int8["frechet_distance"] > 0 and 0 <= int8["class_accuracy"] <= 1
    assert isinstance(int8["kept_fp32"], list) and set(int8["simulated_error_levels"]) >= {"sigma > 10"}
    assert "photo_psnr_db" not in int8  # no photos asked for
    assert (out.parent / "int8" / "samples.png").exists()
