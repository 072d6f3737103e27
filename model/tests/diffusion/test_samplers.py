import json
import math
import os

import pytest
import torch

from model.diffusion.samplers import SAMPLERS, dpm_solver_multistep
from model.diffusion.schedule import alphas_cumprod_for, sampling_timesteps
from model.golden_cases.samplers import golden


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


@pytest.mark.parametrize("order", [2, 3])
def test_a_solve_that_stops_short_of_clean_data_takes_the_whole_solves_steps(order):
    # A student's teacher solves segment by segment (model/training/distill.py): each segment must be the
    # whole solve's steps at full order, its order lowered only where a solve ends on clean data.
    alphas_cumprod = alphas_cumprod_for("cosine", 1000)
    timesteps = sampling_timesteps(10, alphas_cumprod)
    eps_model = GaussianEps(0.3, 0.2, alphas_cumprod)
    x = torch.randn(8, 1, 2, 2, generator=torch.Generator().manual_seed(0), dtype=torch.float64)
    along = []
    dpm_solver_multistep(eps_model, x, timesteps, alphas_cumprod, order, clip=False,
                         callback=lambda info: along.append(info["x"]))
    for stop in (2, 5):
        short = dpm_solver_multistep(eps_model, x, timesteps[:stop], alphas_cumprod, order, clip=False, callback=None,
                                     end=float(alphas_cumprod[int(timesteps[stop])]))
        assert torch.allclose(short, along[stop - 1], rtol=0, atol=1e-12), f"{stop} steps of {order}M"


def test_committed_golden_vectors_match_this_code():
    """The TypeScript samplers are tested against test/fixtures/sampler-golden.json: keep it current."""
    path = os.path.join(os.path.dirname(__file__), "..", "..", "..", "test", "fixtures", "sampler-golden.json")
    committed = json.load(open(path))
    for name, table in committed["schedules"].items():
        # torch.cos and linspace differ by an ulp between PyTorch builds; cumprod carries that to 4 ulps (9e-16).
        assert table == pytest.approx(alphas_cumprod_for(name, 1000).tolist(), rel=1e-14, abs=0)
    # Replayed on the committed tables, the cases match this code to rounding whichever build computed them.
    fresh = golden({name: torch.tensor(table, dtype=torch.float64) for name, table in committed["schedules"].items()})
    for old, new in zip(committed["cases"], fresh["cases"], strict=True):
        assert old["timesteps"] == new["timesteps"]
        assert old["out"] == pytest.approx(new["out"], abs=1e-12), "run: python -m model.golden"
