import json
import math
import os
import re

import pytest
import torch

from model.config import DiffusionConfig
from model.diffusion import (DEFAULT_GUIDANCE, DEFAULT_GUIDANCE_INTERVAL, DEFAULT_STEPS, SAMPLERS, SIGMA_MAX, Diffusion,
                             alphas_cumprod_for, eps_to_x0, guidance_interval, guided_eps_model, matched_timestep,
                             output_to_eps, sampling_timesteps, sigma_of, x0_to_eps)


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


class GaussianEps:
    """The exact noise prediction for data ~ N(mean, std^2): the ideal network for that data."""

    def __init__(self, mean: float, std: float, alphas_cumprod: torch.Tensor):
        self.mean, self.std, self.alphas_cumprod = mean, std, alphas_cumprod

    def __call__(self, x: torch.Tensor, t: float) -> torch.Tensor:
        a = float(self.alphas_cumprod[int(t)])
        variance = a * self.std ** 2 + 1 - a
        return math.sqrt(1 - a) * (x - math.sqrt(a) * self.mean) / variance


@pytest.mark.parametrize("sampler, steps", [("ddpm", 250), ("ddim", 200), ("dpmpp_2m", 20), ("dpmpp_3m", 20)])
def test_sampler_with_exact_score_recovers_a_gaussian(sampler, steps):
    alphas_cumprod = alphas_cumprod_for("cosine", 1000)
    mean, std = 0.3, 0.2
    generator = torch.Generator().manual_seed(0)
    x = torch.randn(20000, 1, 2, 2, generator=generator, dtype=torch.float64)
    samples = SAMPLERS[sampler](GaussianEps(mean, std, alphas_cumprod), x, sampling_timesteps(steps, alphas_cumprod),
                                alphas_cumprod, clip=False, generator=generator,
                                noise_sampler=lambda shape: torch.randn(shape, generator=generator,
                                                                        dtype=torch.float64))
    assert samples.mean().item() == pytest.approx(mean, abs=0.01)
    assert samples.std().item() == pytest.approx(std, rel=0.05)


def test_samplers_report_progress_once_per_step():
    alphas_cumprod = alphas_cumprod_for("cosine", 100)
    seen = []
    for sampler in SAMPLERS.values():
        seen.clear()
        sampler(GaussianEps(0.0, 0.5, alphas_cumprod), torch.randn(2, 1, 2, 2), sampling_timesteps(7, alphas_cumprod),
                alphas_cumprod, callback=lambda info: seen.append(info["i"]))
        assert seen == list(range(7))


class LabelNet(torch.nn.Module):
    """A stand-in network whose output is its class label: guidance arithmetic becomes visible."""

    def forward(self, x, t, class_labels):
        return class_labels.float().view(-1, 1, 1, 1).expand_as(x)


def test_classifier_free_guidance_extrapolates_from_unconditional_to_conditional():
    alphas_cumprod = alphas_cumprod_for("cosine", 100)
    x = torch.zeros(2, 1, 1, 1)
    labels = torch.tensor([2, 4])
    null = 10
    for guidance, expected in ((0.0, [10, 10]), (1.0, [2, 4]), (3.0, [10 + 3 * (2 - 10), 10 + 3 * (4 - 10)])):
        eps = guided_eps_model(LabelNet(), labels, guidance, null, alphas_cumprod, "eps")(x, 5.0)
        assert eps.view(-1).tolist() == expected


def test_guidance_applies_only_inside_its_noise_interval():
    alphas_cumprod = torch.tensor([0.9, 0.5, 0.1], dtype=torch.float64)  # sigma 0.33, 1, 3
    x = torch.zeros(2, 1, 1, 1)
    labels = torch.tensor([2, 4])
    calls: list[int] = []

    class CountingNet(LabelNet):
        def forward(self, x, t, class_labels):
            calls.append(len(class_labels))
            return super().forward(x, t, class_labels)

    eps_model = guided_eps_model(CountingNet(), labels, 3.0, 10, alphas_cumprod, "eps", interval=(0.5, 2.0))
    assert [eps_model(x, float(t)).view(-1).tolist() for t in range(3)] == [[2, 4], [-14, -8], [2, 4]]
    assert calls == [2, 4, 2]


def test_committed_golden_vectors_match_this_code():
    """The TypeScript samplers are tested against test/fixtures/sampler-golden.json: keep it current."""
    from model.golden import golden

    path = os.path.join(os.path.dirname(__file__), "..", "..", "test", "fixtures", "sampler-golden.json")
    committed = json.load(open(path))
    fresh = golden()
    assert committed["schedules"] == fresh["schedules"]
    for old, new in zip(committed["cases"], fresh["cases"], strict=True):
        assert old["timesteps"] == new["timesteps"]
        assert old["out"] == pytest.approx(new["out"], abs=1e-12), "run: python -m model.golden " + path


def test_the_sampling_defaults_are_the_pages():
    web = os.path.join(os.path.dirname(__file__), "..", "..", "web", "src")
    with open(os.path.join(web, "diffusion", "guidance.ts")) as f:
        guidance_ts = f.read()
    with open(os.path.join(web, "inference", "generate-job.ts")) as f:
        job_ts = f.read()
    guidance = re.search(r"export const DEFAULT_GUIDANCE = ([0-9.]+);", guidance_ts)
    interval = re.search(r"export const DEFAULT_GUIDANCE_INTERVAL: [^=]+= \[([0-9.]+), ([0-9.]+)\];", guidance_ts)
    steps = re.search(r"export const DEFAULT_STEPS = ([0-9]+);", job_ts)
    assert guidance is not None and float(guidance.group(1)) == DEFAULT_GUIDANCE
    assert interval is not None and (float(interval.group(1)), float(interval.group(2))) == DEFAULT_GUIDANCE_INTERVAL
    assert steps is not None and int(steps.group(1)) == DEFAULT_STEPS


def test_guidance_interval_flags():
    assert guidance_interval("none") is None
    assert guidance_interval("0.2,5") == (0.2, 5.0)
    for bad in ("5,0.2", "1", "a,b", "-1,2"):
        with pytest.raises(ValueError):
            guidance_interval(bad)
