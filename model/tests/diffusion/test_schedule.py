import math

import pytest
import torch

from model.diffusion.schedule import (SIGMA_MAX, Diffusion, DiffusionConfig, alphas_cumprod_for, eps_to_x0,
                                      matched_timestep, output_to_eps, sampling_timesteps, sigma_of, x0_to_eps)


@pytest.mark.parametrize("schedule", ["cosine", "linear"])
def test_schedules_decrease_from_nearly_clean_to_nearly_pure_noise(schedule):
    a = alphas_cumprod_for(schedule, 1000)
    assert a.dtype == torch.float64 and a.shape == (1000,)
    assert torch.all(a[1:] < a[:-1])
    assert a[0] > 0.999 and a[-1] < 1e-4
    assert a.min() > 0


def test_cosine_schedule_follows_its_closed_form():
    a = alphas_cumprod_for("cosine", 1000)
    f = lambda t: math.cos((t / 1000 + 0.008) / 1.008 * math.pi / 2) ** 2  # noqa: E731
    for t in (0, 250, 500, 750):
        assert a[t].item() == pytest.approx(f(t + 1) / f(0), rel=1e-9)


def test_forward_process_preserves_unit_variance():
    diffusion = Diffusion(DiffusionConfig())
    x0 = torch.randn(20000, 1, 1, 1, generator=torch.Generator().manual_seed(0))
    noise = torch.randn(20000, 1, 1, 1, generator=torch.Generator().manual_seed(1))
    for t in (0, 300, 999):
        x_t = diffusion.q_sample(x0, torch.full((20000,), t), noise)
        assert x_t.var().item() == pytest.approx(1.0, abs=0.03)


def test_eps_v_and_x0_conversions_are_inverse():
    x0, eps = torch.randn(4, 3, 2, 2), torch.randn(4, 3, 2, 2)
    for a in (0.01, 0.5, 0.99):
        x = math.sqrt(a) * x0 + math.sqrt(1 - a) * eps
        v = math.sqrt(a) * eps - math.sqrt(1 - a) * x0
        assert torch.allclose(output_to_eps(v, x, a, "v"), eps, atol=1e-5)
        assert torch.allclose(eps_to_x0(x, eps, a), x0, atol=1e-4)
        assert torch.allclose(x0_to_eps(x, x0, a), eps, atol=1e-4)


def test_sampling_timesteps_span_the_schedule_without_repeats():
    alphas_cumprod = alphas_cumprod_for("cosine", 1000)
    for n in (2, 10, 20, 50, 999):
        steps = sampling_timesteps(n, alphas_cumprod)
        assert steps[0] == 999 and steps[-1] == 0 and len(steps) == n
        assert all(a > b for a, b in zip(steps, steps[1:]))
    assert sampling_timesteps(1000, alphas_cumprod) == [float(t) for t in range(999, -1, -1)]
    with pytest.raises(ValueError, match="between 1 and 1000"):
        sampling_timesteps(1001, alphas_cumprod)


def test_sampling_timesteps_can_start_below_the_top_of_the_schedule():
    alphas_cumprod = alphas_cumprod_for("cosine", 1000)
    steps = sampling_timesteps(6, alphas_cumprod, start=200)
    assert steps[0] == 200 and steps[-1] == 0 and len(steps) == 6
    assert sampling_timesteps(1, alphas_cumprod, start=0) == [0.0]
    with pytest.raises(ValueError, match="between 1 and 201"):
        sampling_timesteps(202, alphas_cumprod, start=200)
    with pytest.raises(ValueError, match="start must be"):
        sampling_timesteps(2, alphas_cumprod, start=1000)


def test_the_matched_timestep_has_the_asked_noise_to_signal_ratio():
    alphas_cumprod = alphas_cumprod_for("cosine", 1000)
    for sigma in (0.05, 0.2, 0.5, 1.0):
        a = float(alphas_cumprod[matched_timestep(alphas_cumprod, sigma)])
        assert ((1 - a) / a) ** 0.5 == pytest.approx(sigma, rel=0.03)


@pytest.mark.parametrize("schedule", ["cosine", "linear"])
def test_sampling_timesteps_go_to_sigma_max_then_evenly_in_log_snr(schedule):
    alphas_cumprod = alphas_cumprod_for(schedule, 1000)
    steps = sampling_timesteps(10, alphas_cumprod)
    assert sigma_of(float(alphas_cumprod[int(steps[0])])) > SIGMA_MAX
    assert sigma_of(float(alphas_cumprod[int(steps[1])])) == pytest.approx(SIGMA_MAX, rel=0.05)
    lam = 0.5 * torch.log(alphas_cumprod / (1 - alphas_cumprod))
    gaps = [float(lam[int(s)] - lam[int(t)]) for t, s in zip(steps[1:], steps[2:])]
    assert max(gaps) / min(gaps) < 1.1


def test_lognormal_noise_levels_follow_edms_distribution_of_sigma():
    diffusion = Diffusion(DiffusionConfig(noise_levels="lognormal", p_mean=-1.2, p_std=1.2))
    t = diffusion.draw_timesteps(20000, torch.Generator().manual_seed(0))
    a = diffusion.alphas_cumprod[t]
    log_sigma = 0.5 * torch.log((1 - a) / a)
    assert t.dtype == torch.int64 and 0 <= int(t.min()) and int(t.max()) < 1000
    assert abs(float(log_sigma.mean()) + 1.2) < 0.05 and abs(float(log_sigma.std()) - 1.2) < 0.05
    assert float(torch.quantile(log_sigma, 0.5)) == pytest.approx(-1.2, abs=0.05)  # median sigma exp(p_mean)


def test_uniform_noise_levels_cover_every_timestep_and_unknown_ones_are_refused():
    t = Diffusion(DiffusionConfig(timesteps=10)).draw_timesteps(2000, torch.Generator().manual_seed(0))
    assert sorted(set(t.tolist())) == list(range(10))
    with pytest.raises(ValueError, match="noise_levels"):
        Diffusion(DiffusionConfig(noise_levels="beta"))
