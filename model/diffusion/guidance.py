"""Classifier-free guidance around the network: the Python reference of web/src/diffusion/guidance.ts."""
from __future__ import annotations

from typing import Optional

import torch

from .samplers import EpsModel
from .schedule import output_to_eps, sigma_of


def guidance_interval(text: str) -> Optional[tuple[float, float]]:
    """A command-line guidance interval: "LO,HI" (guide where LO < sigma <= HI) or "none" (every step)."""
    if text == "none":
        return None
    values = [float(v) for v in text.split(",")]
    if len(values) != 2 or not 0 <= values[0] < values[1]:
        raise ValueError(f"expected LO,HI with 0 <= LO < HI, or none; got {text!r}")
    return values[0], values[1]


def guided_eps_model(net: torch.nn.Module, class_labels: torch.Tensor, guidance: float, null_class: int,
                     alphas_cumprod: torch.Tensor, prediction: str,
                     interval: Optional[tuple[float, float]] = None) -> EpsModel:
    """Classifier-free guidance (Ho & Salimans 2022): eps_uncond + guidance * (eps_cond - eps_uncond).

    guidance 1 is plain conditional sampling; 0 is unconditional. Both passes run as one batch.
    With `interval` = (lo, hi), guidance applies only where lo < sigma <= hi (Kynkaanniemi et al.
    2024); elsewhere the conditional pass runs alone, so those steps cost one pass instead of two.
    """
    batch = class_labels.shape[0]
    labels = class_labels.to(torch.int32)
    unconditional = torch.full_like(labels, null_class)
    guided = guidance not in (0.0, 1.0) and bool((labels != null_class).any())

    def eps_model(x: torch.Tensor, t: float) -> torch.Tensor:
        a = float(alphas_cumprod[int(t)])
        two_passes = guided and (interval is None or interval[0] < sigma_of(a) <= interval[1])
        with torch.no_grad():
            if two_passes:
                out = net(torch.cat([x, x]), torch.full((2 * batch,), t, device=x.device),
                          torch.cat([labels, unconditional]).to(x.device)).float()
                cond, uncond = out[:batch], out[batch:]
                out = uncond + guidance * (cond - uncond)
            else:
                scale_labels = labels if guidance != 0.0 else unconditional
                out = net(x, torch.full((batch,), t, device=x.device), scale_labels.to(x.device)).float()
        return output_to_eps(out, x, a, prediction)

    return eps_model
