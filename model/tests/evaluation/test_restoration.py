import pytest

from model.evaluation.restoration import lost_pixels, restoration_tasks


def test_the_tasks_damage_as_they_say():
    tasks = {t.name: t for t in restoration_tasks(32, 3, seed=0)}
    assert tasks["denoise_50"].sigma == pytest.approx(2 * 50 / 255)  # the model's [-1, 1] scale
    assert lost_pixels(tasks["inpaint_box"].degradation).sum() == 16 * 16
    assert lost_pixels(tasks["inpaint_50pct"].degradation).mean() == pytest.approx(0.5, abs=0.06)
    x4 = tasks["super_resolution_x4"].degradation
    assert (x4.out_height, x4.out_width) == (8, 8)
    assert "colourise" not in {t.name for t in restoration_tasks(32, 1, seed=0)}
