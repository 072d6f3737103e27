"""Noise schedules and the maths every sampler shares: the Python reference of web/src/diffusion/schedule.ts,
plus the forward process and training loss (the page only samples).

Notation follows DDPM (Ho et al. 2020): `alphas_cumprod[t]` is the signal fraction a_t, and
    x_t = sqrt(a_t) * x_0 + sqrt(1 - a_t) * eps.
The network predicts eps, or v = sqrt(a_t) * eps - sqrt(1 - a_t) * x_0 (Salimans & Ho 2022).
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Optional

import torch


@dataclass
class DiffusionConfig:
    schedule: str = "cosine"  # "cosine" (Nichol & Dhariwal 2021) or "linear" (Ho et al. 2020)
    timesteps: int = 1000
    prediction: str = "eps"  # what the network predicts: "eps" or "v"
    min_snr_gamma: float = 0.0  # 0 disables min-SNR loss weighting (Hang et al. 2023)
    # The noise levels training visits: "uniform" in t (DDPM), or "lognormal" in sigma, ln sigma ~ N(p_mean,
    # p_std^2) as in EDM (Karras et al. 2022), drawn as the nearest timestep. Sampling is unaffected.
    noise_levels: str = "uniform"
    p_mean: float = -1.2
    p_std: float = 1.2

    def validate(self) -> None:
        if self.schedule not in ("cosine", "linear"):
            raise ValueError(f"unknown schedule {self.schedule!r}: use 'cosine' or 'linear'")
        if self.prediction not in ("eps", "v"):
            raise ValueError(f"unknown prediction {self.prediction!r}: use 'eps' or 'v'")
        if self.noise_levels not in ("uniform", "lognormal") or self.p_std <= 0:
            raise ValueError(f"noise_levels must be 'uniform' or 'lognormal' and p_std positive; got "
                             f"{self.noise_levels!r}, {self.p_std}")
        if self.timesteps < 2:
            raise ValueError("timesteps must be at least 2")


def alphas_cumprod_for(schedule: str, timesteps: int) -> torch.Tensor:
    """The a_t table (float64, length `timesteps`) of a named schedule."""
    if schedule == "linear":  # Ho et al. 2020, rescaled so any number of steps spans the same range
        scale = 1000 / timesteps
        betas = torch.linspace(scale * 1e-4, scale * 0.02, timesteps, dtype=torch.float64)
    elif schedule == "cosine":  # Nichol & Dhariwal 2021, eq. 17, with betas clipped at 0.999
        s = 0.008
        steps = torch.arange(timesteps + 1, dtype=torch.float64) / timesteps
        f = torch.cos((steps + s) / (1 + s) * math.pi / 2) ** 2
        betas = (1 - f[1:] / f[:-1]).clamp(max=0.999)
    else:
        raise ValueError(f"unknown schedule {schedule!r}: use 'cosine' or 'linear'")
    return torch.cumprod(1 - betas, dim=0)


# Above this noise level (EDM's sigma_max, Karras et al. 2022) an image is lost in the noise: the
# cosine schedule's last few timesteps reach sigma = 2e4, and evenly spaced steps spent there change nothing.
SIGMA_MAX = 80.0


def sampling_timesteps(steps: int, alphas_cumprod: torch.Tensor, start: Optional[int] = None) -> list[float]:
    """`steps` distinct integer timesteps from `start` (default T-1) down to 0, evenly spaced in log-SNR.

    Even spacing in lambda = log(alpha / sigma) (Lu et al. 2022) puts the steps where the image
    changes; spacing evenly in t wastes them at cosine's flat ends (on a Gaussian toy, DPM-Solver++
    at 20 steps: std error 3% versus 25%). From a start above SIGMA_MAX, one step goes down to it
    and the rest are spaced below it (8 of the 20 steps sat above sigma = 80 before). A later `start`
    serves a sampler that begins from a partly noisy image (a photo whose own noise matches that timestep's).
    """
    first = alphas_cumprod.shape[0] - 1 if start is None else start
    if not 0 <= first < alphas_cumprod.shape[0]:
        raise ValueError(f"start must be a timestep between 0 and {alphas_cumprod.shape[0] - 1}, got {start}")
    if not 1 <= steps <= first + 1:
        raise ValueError(f"steps must be between 1 and {first + 1}, got {steps}")
    lam = 0.5 * torch.log(alphas_cumprod / (1 - alphas_cumprod))
    top = -math.log(SIGMA_MAX)
    if steps > 2 and float(lam[first]) < top:
        targets = [float(lam[first])] + torch.linspace(top, float(lam[0]), steps - 1, dtype=torch.float64).tolist()
    else:
        targets = torch.linspace(float(lam[first]), float(lam[0]), steps, dtype=torch.float64).tolist()
    return nearest_timesteps(lam, targets, first, 0)


def nearest_timesteps(lam: torch.Tensor, targets: list[float], first: int, last: int) -> list[float]:
    """The integer timesteps nearest the log-SNR `targets`, from `first` down to at least `last`, kept distinct."""
    chosen: list[int] = []
    for k, target in enumerate(targets):
        nearest = int(torch.argmin((lam - target).abs()))
        highest = chosen[-1] - 1 if chosen else first  # strictly decreasing...
        lowest = last + len(targets) - 1 - k  # ...leaving room for the ones still to come
        chosen.append(min(max(nearest, lowest), highest))
    return [float(t) for t in chosen]


def matched_timestep(alphas_cumprod: torch.Tensor, sigma: float) -> int:
    """The timestep whose noise, relative to the signal, is `sigma`: x_t / sqrt(a_t) = x_0 + sigma * eps there."""
    return int(torch.argmin((alphas_cumprod - 1 / (1 + sigma ** 2)).abs()))


def sigma_of(a: float) -> float:
    """sigma = sqrt((1 - a) / a): the noise relative to the signal at signal fraction a."""
    return math.sqrt((1 - a) / a)


def alpha_after(alphas_cumprod: torch.Tensor, timesteps: list[float], i: int) -> float:
    """a_s of the timestep after timesteps[i]; after the last one comes clean data (a = 1)."""
    return float(alphas_cumprod[int(timesteps[i + 1])]) if i + 1 < len(timesteps) else 1.0


class Diffusion:
    """The forward process and training loss of one `DiffusionConfig`."""

    def __init__(self, config: DiffusionConfig):
        config.validate()
        self.config = config
        self.alphas_cumprod = alphas_cumprod_for(config.schedule, config.timesteps)
        log_sigmas = 0.5 * torch.log((1 - self.alphas_cumprod) / self.alphas_cumprod)  # rising with t
        self._log_sigma_midpoints = (log_sigmas[1:] + log_sigmas[:-1]) / 2

    def draw_timesteps(self, batch: int, generator: torch.Generator) -> torch.Tensor:
        """Training timesteps (int64, on the CPU) from the configured noise-level distribution."""
        if self.config.noise_levels == "uniform":
            return torch.randint(0, self.config.timesteps, (batch,), generator=generator)
        normal = torch.randn(batch, generator=generator, dtype=torch.float64)
        log_sigma = normal * self.config.p_std + self.config.p_mean
        return torch.bucketize(log_sigma, self._log_sigma_midpoints)  # the nearest timestep in log sigma

    def q_sample(self, x0: torch.Tensor, t: torch.Tensor, noise: torch.Tensor) -> torch.Tensor:
        a = self.alphas_cumprod.to(x0.device)[t].float().view(-1, 1, 1, 1)
        return a.sqrt() * x0 + (1 - a).sqrt() * noise

    def training_loss(self, net: torch.nn.Module, x0: torch.Tensor, class_labels: torch.Tensor,
                      generator: torch.Generator) -> torch.Tensor:
        """Mean squared error on eps or v at timesteps from `draw_timesteps`, optionally min-SNR weighted.

        Randomness comes from `generator` (a CPU generator) so that training resumes exactly.
        """
        batch = x0.shape[0]
        t = self.draw_timesteps(batch, generator).to(x0.device)
        noise = torch.randn(x0.shape, generator=generator).to(x0.device)
        a = self.alphas_cumprod.to(x0.device)[t].float().view(-1, 1, 1, 1)
        x_t = a.sqrt() * x0 + (1 - a).sqrt() * noise
        out = net(x_t, t.float(), class_labels).float()
        target = noise if self.config.prediction == "eps" else a.sqrt() * noise - (1 - a).sqrt() * x0
        mse = (out - target).pow(2).mean(dim=(1, 2, 3))
        if self.config.min_snr_gamma > 0:  # Hang et al. 2023: w = min(SNR, gamma) / SNR, in eps units
            snr = (a / (1 - a)).view(-1)
            clipped = snr.clamp(max=self.config.min_snr_gamma)
            mse = mse * (clipped / snr if self.config.prediction == "eps" else clipped / (snr + 1))
        return mse.mean()


# From network outputs to predictions -------------------------------------------------------------

def output_to_eps(out: torch.Tensor, x: torch.Tensor, a: float, prediction: str) -> torch.Tensor:
    if prediction == "eps":
        return out
    return math.sqrt(1 - a) * x + math.sqrt(a) * out  # from v


def eps_to_x0(x: torch.Tensor, eps: torch.Tensor, a: float) -> torch.Tensor:
    return (x - math.sqrt(1 - a) * eps) / math.sqrt(a)


def x0_to_eps(x: torch.Tensor, x0: torch.Tensor, a: float) -> torch.Tensor:
    return (x - math.sqrt(a) * x0) / math.sqrt(1 - a)
