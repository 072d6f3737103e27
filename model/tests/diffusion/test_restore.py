import itertools
import json
import os

import pytest
import torch

from model.diffusion.defaults import DEFAULTS
from model.diffusion.restore import (UPSCALE_MEASUREMENT_NOISE, Degradation, candidates_differ, coarse_factor, damage,
                                     ddnm_sampler, diffusion_restore, local_problems, local_windows, mean_of_candidates,
                                     photo_problem, restore_photo)
from model.diffusion.samplers import sample_ddim
from model.diffusion.schedule import alphas_cumprod_for, sampling_timesteps
from model.golden_cases.restore import box_mask, golden, tile_aware
from model.golden_cases.toy import toy_eps_model

SIZE = 8


def specs() -> dict[str, dict]:
    return {"identity": {}, "mask": {"mask": box_mask()}, "x2": {"downsample": 2}, "x4": {"downsample": 4},
            "grayscale": {"grayscale": True},
            "grayscale + x2 + mask": {"grayscale": True, "downsample": 2, "mask": box_mask()}}


def normal(*shape: int, seed: int) -> torch.Tensor:
    return torch.randn(*shape, generator=torch.Generator().manual_seed(seed), dtype=torch.float64)


@pytest.mark.parametrize("name", list(specs()))
def test_pseudo_inverse_identities(name):
    A = Degradation(SIZE, 3, **specs()[name])
    x, u = normal(2, 3, SIZE, SIZE, seed=0), normal(2, 3, SIZE, SIZE, seed=1)
    y = A.apply(x)
    P = lambda v: A.pinv(A.apply(v))  # noqa: E731
    assert torch.allclose(A.apply(P(x)), y, atol=1e-12)  # A A+ A = A
    assert torch.allclose(A.pinv(A.apply(A.pinv(y))), A.pinv(y), atol=1e-12)  # A+ A A+ = A+
    assert torch.allclose(P(P(x)), P(x), atol=1e-12)
    assert (P(u) * x).sum().item() == pytest.approx((u * P(x)).sum().item(), abs=1e-9)  # symmetric


@pytest.mark.parametrize("name", list(specs()))
def test_projection_is_consistent_and_keeps_the_null_space(name):
    A = Degradation(SIZE, 3, **specs()[name])
    x, x0 = normal(1, 3, SIZE, SIZE, seed=2), normal(1, 3, SIZE, SIZE, seed=3)
    y = A.apply(x)
    projected = A.project(x0, y)
    assert torch.allclose(A.apply(projected), y, atol=1e-12)
    null = lambda v: v - A.pinv(A.apply(v))  # noqa: E731
    assert torch.allclose(null(projected), null(x0), atol=1e-12)


def test_the_operator_is_grayscale_then_average_pooling_then_the_mask():
    mask = torch.ones(SIZE, SIZE, dtype=torch.uint8)
    mask[0, 0] = 0  # one lost pixel loses its whole 2x2 block
    A = Degradation(SIZE, 3, grayscale=True, downsample=2, mask=mask)
    x = normal(1, 3, SIZE, SIZE, seed=4)
    expected = x.mean(dim=1, keepdim=True).unfold(2, 2, 2).unfold(3, 2, 2).mean(dim=(-1, -2))
    expected[0, 0, 0, 0] = 0
    assert torch.allclose(A.apply(x), expected, atol=1e-12)
    assert A.noise_gain == pytest.approx(1 / 12 ** 0.5)


def test_damage_keeps_what_A_measures_and_adds_the_noise_asked_for():
    A = Degradation(SIZE, 3, grayscale=True, downsample=2, mask=box_mask())
    x = normal(1, 3, SIZE, SIZE, seed=5)
    clean = damage(x, A, 0.0, lambda shape: torch.zeros(shape))
    assert torch.allclose(A.apply(clean), A.apply(x), atol=1e-12)
    assert torch.allclose(damage(x, A, 0.3, lambda shape: torch.ones(shape, dtype=torch.float64)), clean + 0.3)


def test_inpainting_keeps_known_pixels_and_samples_the_prior_in_the_hole():
    """The toy data (model/golden_cases/toy.py) is independent per pixel, so with the same noise draws the lost
    pixels must come out exactly as plain DDIM samples them, whatever the known ones say."""
    alphas_cumprod = alphas_cumprod_for("cosine", 1000)
    timesteps = sampling_timesteps(20, alphas_cumprod)
    mask = torch.zeros(32, 32, dtype=torch.uint8)
    mask[:, :16] = 1
    A = Degradation(32, 1, mask=mask)
    y = A.apply(0.8 + 0.5 * normal(1, 1, 32, 32, seed=6))
    x_init = normal(1, 1, 32, 32, seed=8)
    toy = toy_eps_model(alphas_cumprod, "v")
    out = ddnm_sampler(A, y)(toy, x_init, timesteps, alphas_cumprod, clip=False,
                             generator=torch.Generator().manual_seed(7))
    prior = sample_ddim(toy, x_init, timesteps, alphas_cumprod, eta=0.85, clip=False,
                        generator=torch.Generator().manual_seed(7))
    assert torch.allclose(A.apply(out), y, atol=1e-9)
    lost = mask == 0
    assert torch.allclose(out[0, 0][lost], prior[0, 0][lost], atol=1e-12)
    assert out[0, 0][lost].mean().item() == pytest.approx(0.8, abs=0.1)  # 512 values: s.e. of the mean 0.02


def test_noise_aware_projection_denoises_without_copying_the_noise():
    alphas_cumprod = alphas_cumprod_for("cosine", 1000)
    A = Degradation(32, 1)
    truth = 0.8 + 0.5 * normal(1, 1, 32, 32, seed=9)
    y = truth + normal(1, 1, 32, 32, seed=10)  # sigma_y = 1
    out = ddnm_sampler(A, y, sigma_y=1.0)(toy_eps_model(alphas_cumprod, "v"), normal(1, 1, 32, 32, seed=11),
                                          sampling_timesteps(20, alphas_cumprod), alphas_cumprod, clip=False,
                                          generator=torch.Generator().manual_seed(12))
    # A posterior sample has an expected MSE of 2 * 0.25 * 1 / 1.25 = 0.4; the noisy input has 1.
    assert (out - truth).pow(2).mean().item() < 0.6
    assert (y - truth).pow(2).mean().item() > 0.85


def test_the_mean_of_candidates_approaches_the_posterior_mean():
    alphas_cumprod = alphas_cumprod_for("cosine", 1000)
    A, count = Degradation(32, 1, downsample=4), 8
    truth = 0.8 + 0.5 * normal(1, 1, 32, 32, seed=9)
    y = A.apply(truth)
    candidates = ddnm_sampler(A, y.repeat(count, 1, 1, 1))(
        toy_eps_model(alphas_cumprod, "v"), normal(count, 1, 32, 32, seed=11), sampling_timesteps(20, alphas_cumprod),
        alphas_cumprod, clip=False, generator=torch.Generator().manual_seed(12))
    mse = lambda x: (x - truth).pow(2).mean().item()  # noqa: E731
    # i.i.d. pixels: the posterior mean is the block mean A+ y, with MSE 0.25 * 15/16 = 0.234 in expectation;
    # a posterior sample has twice that, the mean of 8 candidates 1.125 times.
    assert mse(A.pinv(y)) == pytest.approx(0.234, abs=0.02)
    assert all(mse(c) > 0.3 for c in candidates)
    assert mse(mean_of_candidates(candidates, count)) < 0.28
    assert torch.equal(mean_of_candidates(candidates, 1), candidates)
    with pytest.raises(ValueError, match="groups of 3"):
        mean_of_candidates(candidates, 3)


def test_committed_golden_vectors_match_this_code():
    """The TypeScript restoration is tested against test/fixtures/restore-golden.json: keep it current."""
    path = os.path.join(os.path.dirname(__file__), "..", "..", "..", "test", "fixtures", "restore-golden.json")
    with open(path) as f:
        committed = json.load(f)
    # torch.cos and linspace differ by an ulp between PyTorch builds; cumprod carries that to 4 ulps (9e-16).
    assert committed["alphas_cumprod"] == pytest.approx(alphas_cumprod_for("cosine", 1000).tolist(), rel=1e-14, abs=0)
    # Replayed on the committed table, the cases match this code to rounding whichever build computed it.
    fresh = golden(torch.tensor(committed["alphas_cumprod"], dtype=torch.float64))
    for old, new in zip(committed["cases"] + committed["photo_cases"], fresh["cases"] + fresh["photo_cases"],
                        strict=True):
        assert old["name"] == new["name"] and old["timesteps"] == new["timesteps"]
        assert old["y"] == pytest.approx(new["y"], abs=1e-12)
        assert old["out"] == pytest.approx(new["out"], abs=1e-12), "run: python -m model.golden"


def test_a_photo_sits_in_the_corner_of_a_canvas_of_whole_tiles_whose_padding_is_unknown():
    photo = normal(3, 20, 40, seed=13)
    known = torch.ones(20, 40, dtype=torch.uint8)
    known[5, 7] = 0
    problem = photo_problem(photo, known, downsample=1, grayscale=False, tile=16)
    A = problem.degradation
    assert (A.height, A.width, problem.height, problem.width) == (32, 48, 20, 40)
    expected = torch.zeros(32, 48, dtype=torch.float64)
    expected[:20, :40] = known
    assert torch.equal(A.known, expected)
    assert torch.equal(problem.y[0, :, :20, :40], photo * known)
    assert problem.y[0, :, 20:].abs().sum() == 0 and problem.y[0, :, :, 40:].abs().sum() == 0
    inside = (torch.arange(32)[:, None] < 20).double() * (torch.arange(48)[None] < 40).double()
    assert torch.equal(photo_problem(photo, None, 1, False, 16).degradation.known, inside)


@pytest.mark.parametrize("factor", [2, 4])
def test_super_resolution_restores_the_photo_at_factor_times_its_size(factor):
    photo = normal(3, 10, 12, seed=14).clamp(-1, 1)
    problem = photo_problem(photo, None, downsample=factor, grayscale=False, tile=16)
    side = -(-12 * factor // 16) * 16
    assert (problem.height, problem.width) == (10 * factor, 12 * factor)
    assert (problem.degradation.height, problem.degradation.width) == (-(-10 * factor // 16) * 16, side)
    assert torch.allclose(problem.y[0, :, :10, :12], photo, atol=1e-12)
    alphas_cumprod = alphas_cumprod_for("cosine", 1000)
    out = restore_photo(toy_eps_model(alphas_cumprod, "v"), problem, 16, 0.0, 20, 1, 2, alphas_cumprod,
                        torch.Generator().manual_seed(0))
    assert out.shape == (2, 3, 10 * factor, 12 * factor)
    # The projection treats the photo as measured with noise (it was not made by average pooling): every
    # restoration averages back to the photo it was given within that noise.
    error = torch.nn.functional.avg_pool2d(out, factor) - photo
    assert float(error.pow(2).mean().sqrt()) < UPSCALE_MEASUREMENT_NOISE


def test_a_gray_photo_is_measured_as_one_channel_and_restored_in_colour():
    photo = normal(3, 16, 16, seed=15).clamp(-1, 1)
    problem = photo_problem(photo, None, downsample=1, grayscale=True, tile=16)
    assert problem.y.shape == (1, 1, 16, 16)
    assert torch.allclose(problem.y[0, 0], photo.mean(dim=0), atol=1e-12)
    alphas_cumprod = alphas_cumprod_for("cosine", 1000)
    out = restore_photo(toy_eps_model(alphas_cumprod, "v"), problem, 16, 0.0, 3, 1, 1, alphas_cumprod,
                        torch.Generator().manual_seed(0))
    assert out.shape == (1, 3, 16, 16)


def test_colours_are_chosen_coarse_and_laid_on_the_photos_own_luminance():
    photo = normal(1, 40, 72, seed=16).clamp(-1, 1).expand(3, -1, -1)  # black and white
    problem = photo_problem(photo, None, downsample=1, grayscale=True, tile=8)
    assert coarse_factor(40, 72, 8) == 5  # colours are chosen on an 8x15 copy
    alphas_cumprod = alphas_cumprod_for("cosine", 1000)
    out = restore_photo(toy_eps_model(alphas_cumprod, "v"), problem, 8, 0.0, 6, 1, 3, alphas_cumprod,
                        torch.Generator().manual_seed(0))
    assert out.shape == (3, 3, 40, 72)
    assert torch.allclose(out.mean(dim=1), photo[0].expand(3, -1, -1), atol=1e-12)  # the luminance is the photo's
    chroma = out - out.mean(dim=1, keepdim=True)
    assert float(chroma.abs().mean()) > 0.01  # coloured...
    # ...smoothly: the colours between neighbouring pixels change by a fraction of what the luminance does.
    step = (chroma[..., 1:] - chroma[..., :-1]).abs().max()
    assert float(step) < 0.3 * float((photo[0, :, 1:] - photo[0, :, :-1]).abs().max())
    assert not torch.allclose(out[0], out[1])  # candidates choose their own colours


def test_candidates_run_once_where_they_cannot_differ():
    alphas_cumprod = alphas_cumprod_for("cosine", 1000)
    noisy = photo_problem(normal(3, 16, 16, seed=17), None, downsample=1, grayscale=False, tile=16)
    assert not candidates_differ(noisy, 0.01, 20, alphas_cumprod)  # one step from its own noise draws none
    assert candidates_differ(noisy, 0.5, 20, alphas_cumprod)  # several steps do
    out = restore_photo(toy_eps_model(alphas_cumprod, "v"), noisy, 16, 0.01, 20, 1, 2, alphas_cumprod,
                        torch.Generator().manual_seed(0))
    assert torch.equal(out[0], out[1])
    enlarged = photo_problem(normal(3, 8, 8, seed=18), None, downsample=2, grayscale=False, tile=16)
    assert candidates_differ(enlarged, 0.0, 20, alphas_cumprod)


# Lost boxes [top, bottom, left, right) of a 46x61 photo (a 48x64 canvas of 8x8 tiles), and the windows
# [top, left, height, width] its restoration runs on.
HOLES = [([(18, 21, 20, 24)], [(8, 8, 24, 24)]),  # inside: a tile each side of the hole's tiles
         ([(42, 46, 54, 61)], [(32, 40, 14, 21)]),  # in the corner: the window takes in the canvas's padding
         ([(10, 11, 3, 60)], [(0, 0, 24, 61)]),  # as wide as the photo
         ([(1, 3, 1, 4), (42, 46, 54, 61)], [(0, 0, 16, 16), (32, 40, 14, 21)]),  # far apart: a window each
         ([(1, 3, 1, 4), (1, 3, 33, 36)], [(0, 0, 16, 48)])]  # close: their joint box costs little more


@pytest.mark.parametrize("holes,windows", HOLES)
def test_a_local_task_runs_on_the_windows_around_its_lost_pixels_and_restores_the_same(holes, windows):
    photo = normal(3, 46, 61, seed=19).clamp(-1, 1)
    known = torch.ones(46, 61, dtype=torch.uint8)
    for top, bottom, left, right in holes:
        known[top:bottom, left:right] = 0
    problem = photo_problem(photo, known, downsample=1, grayscale=False, tile=8)
    local = local_problems(problem, 0.0, 8)
    assert local is not None
    assert [(top, left, window.height, window.width) for window, top, left in local] == windows
    # With no noise drawn and the same tile grids, each window gives what the whole canvas gives with only
    # its own holes lost: the same tiles run on the same pixels (a grid one pixel off moves the result by
    # 1e-3), the rest is the photo. (Holes restored together share the fill's solver tolerance: 5e-4.)
    alphas_cumprod = alphas_cumprod_for("cosine", 1000)
    eps_model = tile_aware(toy_eps_model(alphas_cumprod, "v"))

    def no_noise(shape: torch.Size) -> torch.Tensor:
        return torch.zeros(shape, dtype=torch.float64)

    def grids():  # a different grid at every call
        return iter(((3 * k) % 8, (5 * k + 1) % 8) for k in itertools.count()).__next__

    out = restore_photo(eps_model, problem, 8, 0.0, 12, 1, 2, alphas_cumprod, torch.Generator(),
                        noise_sampler=no_noise, offsets=grids())
    assert torch.allclose(out[:, :, known.bool()], photo[:, known.bool()], atol=1e-12)
    for window, top, left in local:
        rows, columns = slice(top, top + window.height), slice(left, left + window.width)
        alone = torch.ones(46, 61, dtype=torch.uint8)
        alone[rows, columns] = known[rows, columns]
        whole = diffusion_restore(eps_model, photo_problem(photo, alone, 1, False, 8), 8, 0.0, 12, 1, 2,
                                  alphas_cumprod, DEFAULTS.ddnm_eta, no_noise, grids())
        assert torch.allclose(out[:, :, rows, columns], whole[:, :, rows, columns], atol=1e-9)
    for top, bottom, left, right in holes:
        assert not torch.allclose(out[:, :, top:bottom, left:right], photo[:, top:bottom, left:right])


def test_windows_that_overlap_become_one_and_none_is_the_whole_canvas():
    needed = torch.zeros(48, 64, dtype=torch.bool)  # 6x8 tiles of 8
    needed[4, 4] = needed[20, 20] = True  # tiles (0, 0) and (2, 2): their windows overlap
    needed[44, 60] = True  # tile (5, 7): far from both
    assert local_windows(needed, 8) == [(0, 32, 0, 32), (32, 48, 48, 64)]
    needed[44, 4] = needed[4, 60] = True  # the other corners: every window joins
    assert local_windows(needed, 8) is None
    assert local_windows(torch.zeros(48, 64, dtype=torch.bool), 8) is None


def test_a_window_takes_every_window_it_joins_before_it_grows():
    # Tile (4, 15)'s window joins the one around tiles (1..2, 11) but, once grown by it, no longer the one
    # around tile (5, 11), which the first two alone do join: taken together, all become one.
    needed = torch.zeros(80, 160, dtype=torch.bool)  # 10x20 tiles of 8
    for r, c in [(1, 11), (2, 11), (4, 15), (5, 11)]:
        needed[8 * r + 1, 8 * c + 1] = True
    assert local_windows(needed, 8) == [(0, 56, 80, 136)]


def test_only_a_task_that_loses_pixels_of_less_than_the_canvas_runs_on_windows():
    photo = normal(3, 30, 37, seed=20).clamp(-1, 1)
    scattered = (torch.rand(30, 37, generator=torch.Generator().manual_seed(0)) < 0.9).to(torch.uint8)
    assert local_problems(photo_problem(photo, scattered, 1, False, 8), 0.0, 8) is None  # lost pixels everywhere
    hole = torch.ones(30, 37, dtype=torch.uint8)
    hole[15, 15] = 0
    assert local_problems(photo_problem(photo, hole, 1, False, 8), 0.1, 8) is None  # noise is wrong everywhere
    assert local_problems(photo_problem(photo, hole, 1, True, 8), 0.0, 8) is None  # and colour
    assert local_problems(photo_problem(photo, None, 1, False, 8), 0.1, 8) is None


def test_bad_photo_problems_are_rejected_with_reasons():
    with pytest.raises(ValueError, match="not divisible by the downsampling factor 4"):
        photo_problem(torch.zeros(3, 8, 8), None, downsample=4, grayscale=False, tile=6)
    with pytest.raises(ValueError, match="the photo is 8x8"):
        photo_problem(torch.zeros(3, 8, 8), torch.ones(4, 4), downsample=1, grayscale=False, tile=8)


def test_bad_settings_are_rejected_with_reasons():
    with pytest.raises(ValueError, match="not divisible"):
        Degradation(6, 3, downsample=4)
    with pytest.raises(ValueError, match="1, 2 or 4"):
        Degradation(8, 3, downsample=3)
    with pytest.raises(ValueError, match="mask has shape"):
        Degradation(8, 3, mask=torch.ones(4, 4))
    with pytest.raises(ValueError, match=r"\[B, 3, 8, 8\]"):
        Degradation(8, 3).apply(torch.zeros(1, 1, 8, 8))
    A = Degradation(8, 3)
    with pytest.raises(ValueError, match="resample"):
        ddnm_sampler(A, torch.zeros(1, 3, 8, 8), resample=0)
    with pytest.raises(ValueError, match="sigma_y"):
        ddnm_sampler(A, torch.zeros(1, 3, 8, 8), sigma_y=-1.0)
