"""The samplers, DDPM ancestral, DDIM and DPM-Solver++(2M) and (3M): the Python reference of
web/src/diffusion/samplers.ts.

Every sampler has one signature, `sample_X(eps_model, x, timesteps, alphas_cumprod, ...)`, where
`eps_model(x, t)` returns the (guided) noise prediction at the float timestep `t`. The step after
the last timestep lands on clean data (a = 1).
"""
from __future__ import annotations

import math
from typing import Callable, Optional

import torch

from .schedule import alpha_after, eps_to_x0, x0_to_eps

EpsModel = Callable[[torch.Tensor, float], torch.Tensor]
NoiseSampler = Callable[[torch.Size], torch.Tensor]
Callback = Callable[[dict], None]


def denoise(eps_model: EpsModel, x: torch.Tensor, t: float, a: float, clip: bool) -> tuple[torch.Tensor, torch.Tensor]:
    """(eps, x0) at timestep t; clipping x0 to the data range, then re-deriving eps to match."""
    eps = eps_model(x, t)
    x0 = eps_to_x0(x, eps, a)
    if clip:
        x0 = x0.clamp(-1, 1)
        eps = x0_to_eps(x, x0, a)
    return eps, x0


def ddim_step(x0: torch.Tensor, eps: torch.Tensor, a_t: float, a_s: float, eta: float, noise_sampler: NoiseSampler,
              spent: float = 0.0) -> torch.Tensor:
    """One DDIM step from a_t to a_s (Song et al. 2021, eq. 12), shared with restoration.

    `spent` is noise variance that x0 already carries into x_s (DDNM+'s noisy projection): it comes
    out of the fresh noise first, then out of the eps direction.
    """
    budget = max(0.0, 1 - a_s - spent)
    sigma = min(eta * math.sqrt((1 - a_s) / (1 - a_t) * (1 - a_t / a_s)), math.sqrt(budget))
    x = math.sqrt(a_s) * x0 + math.sqrt(max(0.0, budget - sigma ** 2)) * eps
    if sigma > 0:
        x = x + sigma * noise_sampler(x.shape).to(x.device)
    return x


def default_noise(generator: Optional[torch.Generator]) -> NoiseSampler:
    return lambda shape: torch.randn(shape, generator=generator)


def sample_ddim(eps_model: EpsModel, x: torch.Tensor, timesteps: list[float], alphas_cumprod: torch.Tensor,
                eta: float = 0.0, clip: bool = True, noise_sampler: Optional[NoiseSampler] = None,
                generator: Optional[torch.Generator] = None, callback: Optional[Callback] = None) -> torch.Tensor:
    """DDIM (Song et al. 2021, eq. 12). eta = 0 is deterministic; eta = 1 is DDPM's ancestral sampler."""
    noise_sampler = noise_sampler or default_noise(generator)
    for i, t in enumerate(timesteps):
        a_t = float(alphas_cumprod[int(t)])
        eps, x0 = denoise(eps_model, x, t, a_t, clip)
        x = ddim_step(x0, eps, a_t, alpha_after(alphas_cumprod, timesteps, i), eta, noise_sampler)
        if callback is not None:
            callback({"i": i, "t": t, "x": x, "denoised": x0})
    return x


def sample_ddpm(eps_model: EpsModel, x: torch.Tensor, timesteps: list[float], alphas_cumprod: torch.Tensor,
                clip: bool = True, noise_sampler: Optional[NoiseSampler] = None,
                generator: Optional[torch.Generator] = None, callback: Optional[Callback] = None) -> torch.Tensor:
    """DDPM ancestral sampling (Ho et al. 2020, Algorithm 2), respaced to the given timesteps."""
    return sample_ddim(eps_model, x, timesteps, alphas_cumprod, eta=1.0, clip=clip, noise_sampler=noise_sampler,
                       generator=generator, callback=callback)


def dpm_solver_multistep(eps_model: EpsModel, x: torch.Tensor, timesteps: list[float], alphas_cumprod: torch.Tensor,
                         order: int, clip: bool, callback: Optional[Callback], end: float = 1.0) -> torch.Tensor:
    """DPM-Solver++ multistep of up to `order`, in x0 form (Lu et al. 2022, their code's updates).

    Each step extrapolates x0 from the last `order` predictions along lambda = log(alpha / sigma);
    the first steps, with fewer predictions, use a lower order. The last step lands on the signal
    fraction `end`: 1 is clean data (x0 itself); a distilled student's teacher stops earlier. Only a
    solve that ends on clean data lowers the order of its last steps too (Lu et al.'s "lower order
    final", which keeps few-step sampling stable there): one that stops short keeps its full order.
    """
    history: list[tuple[torch.Tensor, float]] = []  # (x0, lambda) of the steps so far, latest last
    for i, t in enumerate(timesteps):
        a_t = float(alphas_cumprod[int(t)])
        _, x0 = denoise(eps_model, x, t, a_t, clip)
        window = min(order, len(timesteps) - i) if end == 1.0 else order
        history = (history + [(x0, log_snr(a_t))])[-window:]
        last = i + 1 == len(timesteps)
        if last and end == 1.0:
            x = x0
        else:
            a_s = end if last else alpha_after(alphas_cumprod, timesteps, i)
            x = math.sqrt((1 - a_s) / (1 - a_t)) * x + math.sqrt(a_s) * multistep_x0(history, log_snr(a_s))
        if callback is not None:
            callback({"i": i, "t": t, "x": x, "denoised": x0})
    return x


def log_snr(a: float) -> float:
    """lambda = log(alpha / sigma) = 0.5 * log(a / (1 - a))."""
    return 0.5 * math.log(a / (1 - a))


def multistep_x0(history: list[tuple[torch.Tensor, float]], lambda_s: float) -> torch.Tensor:
    """-(phi_1 m0 - phi_2 D1 + phi_3 D2) of DPM-Solver++'s first, second or third-order update to lambda_s.

    The next x is sqrt((1 - a_s) / (1 - a_t)) * x + sqrt(a_s) * this, with m0, D1 and D2 the latest
    x0 prediction and its first and second divided differences in lambda.
    """
    m0, lambda_0 = history[-1]
    h = lambda_s - lambda_0
    phi_1 = math.expm1(-h)
    if len(history) == 1:
        return -phi_1 * m0
    m1, lambda_1 = history[-2]
    r0 = (lambda_0 - lambda_1) / h
    d1_0 = (m0 - m1) / r0
    if len(history) == 2:
        return -phi_1 * m0 - 0.5 * phi_1 * d1_0
    m2, lambda_2 = history[-3]
    r1 = (lambda_1 - lambda_2) / h
    d1_1 = (m1 - m2) / r1
    d1 = d1_0 + r0 / (r0 + r1) * (d1_0 - d1_1)
    d2 = (d1_0 - d1_1) / (r0 + r1)
    phi_2 = phi_1 / h + 1
    phi_3 = phi_2 / h - 0.5
    return -phi_1 * m0 + phi_2 * d1 - phi_3 * d2


def multistep_sampler(order: int) -> Callable[..., torch.Tensor]:
    """DPM-Solver++ of `order` with the common sampler signature; deterministic, so noise_sampler and
    generator are accepted and unused."""
    def sample(eps_model: EpsModel, x: torch.Tensor, timesteps: list[float], alphas_cumprod: torch.Tensor,
               clip: bool = True, noise_sampler: Optional[NoiseSampler] = None,
               generator: Optional[torch.Generator] = None, callback: Optional[Callback] = None) -> torch.Tensor:
        return dpm_solver_multistep(eps_model, x, timesteps, alphas_cumprod, order, clip, callback)

    return sample


sample_dpmpp_2m = multistep_sampler(2)  # DPM-Solver++(2M), Lu et al. 2022, Algorithm 2
sample_dpmpp_3m = multistep_sampler(3)  # DPM-Solver++(3M), the third-order update of their reference code

SAMPLERS = {"ddpm": sample_ddpm, "ddim": sample_ddim, "dpmpp_2m": sample_dpmpp_2m, "dpmpp_3m": sample_dpmpp_3m}
