"""Training configuration and the named presets: a network, a diffusion process and a training run.

One dataclass per concern: `UNetConfig` (networks/unet.py) and `DiffusionConfig` (diffusion/schedule.py)
live beside what they configure, `TrainConfig` here; `PRESETS` names the combinations we train. Every
field is a CLI flag of `model.train` (see `add_flags`), so a preset is only a set of defaults.
"""
from __future__ import annotations

import argparse
import dataclasses
from dataclasses import dataclass, field
from typing import Any

from ..diffusion.schedule import DiffusionConfig
from ..networks.unet import UNetConfig
from .distill import DistillConfig


@dataclass
class TrainConfig:
    batch_size: int = 64  # global batch, split across DDP ranks
    lr: float = 2e-4
    warmup_kimg: float = 10.0  # linear learning-rate warm-up, in thousands of images
    total_kimg: float = 5000.0
    grad_clip: float = 1.0
    ema_halflife_kimg: float = 500.0  # EMA half-life, as in EDM (Karras et al. 2022)
    ema_rampup: float = 0.05  # early on, the half-life is at most this fraction of the images seen
    # A second EMA whose half-life may reach this fraction of the images seen (0: none), written to
    # ema-long.pt beside ema.pt: both average one training run, so model.eval tells which length is better.
    ema_long_rampup: float = 0.0
    label_dropout: float = 0.1  # probability of training on the null class (classifier-free guidance)
    hflip: bool = True
    seed: int = 0
    log_every: int = 50  # steps
    sample_every_kimg: float = 50.0
    checkpoint_every_kimg: float = 10.0


# The configurations a run can change field by field (model.train's flags, TrainingRun.overrides).
CONFIGS = (UNetConfig, DiffusionConfig, TrainConfig, DistillConfig)


@dataclass
class Preset:
    description: str
    unet: UNetConfig
    diffusion: DiffusionConfig = field(default_factory=DiffusionConfig)
    train: TrainConfig = field(default_factory=TrainConfig)


PRESETS: dict[str, Preset] = {
    # Small enough to learn CIFAR-10 on 2 CPU cores in hours, and to run fast in a browser.
    "cpu": Preset(
        "1.75M parameters: trains on 2 CPU cores in hours; fast in the browser",
        # Attention only at 8x8: at 16x16 it cost 2.4x the training time on 2 cores (18 vs 44 img/s).
        # No dropout: a CPU budget sees a few epochs, far from overfitting.
        UNetConfig(model_channels=32, channel_mult=(1, 2, 2), num_res_blocks=2, attention_resolutions=(8,),
                   num_heads=4, dropout=0.0, groups=16),
        # v-prediction keeps x0 estimates sane at high noise; min-SNR weighting speeds convergence.
        DiffusionConfig(prediction="v", min_snr_gamma=5.0),
        TrainConfig(batch_size=64, lr=5e-4, warmup_kimg=5.0, total_kimg=20_000.0, ema_halflife_kimg=50.0,
                    sample_every_kimg=20.0, checkpoint_every_kimg=4.0),
    ),
    # The DDPM paper's CIFAR-10 network (Ho et al. 2020, about 35.7M parameters) for GPUs.
    "ddpm": Preset(
        "the DDPM paper's CIFAR-10 UNet (35.7M parameters): for GPUs",
        UNetConfig(model_channels=128, channel_mult=(1, 2, 2, 2), num_res_blocks=2, attention_resolutions=(16,),
                   num_heads=1, dropout=0.1),
        train=TrainConfig(batch_size=128, lr=2e-4, warmup_kimg=640.0, total_kimg=100_000.0, ema_halflife_kimg=500.0),
    ),
    # A few thousand parameters: for tests and the committed test fixture.
    "tiny": Preset(
        "a few thousand parameters, 16x16 images: for tests and fixtures",
        UNetConfig(image_size=16, model_channels=8, channel_mult=(1, 2), num_res_blocks=1, attention_resolutions=(8,),
                   num_heads=2, dropout=0.0, groups=4),
        DiffusionConfig(timesteps=100),
        TrainConfig(batch_size=8, lr=1e-3, warmup_kimg=0.0, total_kimg=1.0, ema_halflife_kimg=0.1,
                    log_every=10, sample_every_kimg=0.5, checkpoint_every_kimg=0.5),
    ),
}


def _parse_ints(text: str) -> tuple[int, ...]:
    return tuple(int(v) for v in text.split(",") if v.strip()) if text else ()


def add_flags(parser: argparse.ArgumentParser) -> None:
    """Add one --flag per field of CONFIGS; defaults stay None so that presets fill them in."""
    for cls in CONFIGS:
        group = parser.add_argument_group(cls.__name__)
        for f in dataclasses.fields(cls):
            flag = "--" + f.name.replace("_", "-")
            kind = f.type if isinstance(f.type, str) else f.type.__name__  # the annotation's text, where postponed
            if kind == "bool":
                group.add_argument(flag, type=lambda s: s.lower() in ("1", "true", "yes"), default=None,
                                   metavar="BOOL")
            elif kind.startswith("tuple"):
                group.add_argument(flag, type=_parse_ints, default=None, metavar="N,N,...")
            else:
                group.add_argument(flag, type={"int": int, "float": float, "str": str}[kind], default=None)


def given_flags(args: argparse.Namespace) -> dict[str, Any]:
    """The configuration fields that `add_flags` flags set on the command line."""
    return {f.name: getattr(args, f.name) for cls in CONFIGS for f in dataclasses.fields(cls)
            if getattr(args, f.name, None) is not None}


def override(config: Any, changes: dict[str, Any]) -> Any:
    """A copy of `config` with the fields that `changes` names replaced (other configurations' fields are ignored)."""
    names = {f.name for f in dataclasses.fields(config)}
    return dataclasses.replace(config, **{k: v for k, v in changes.items() if k in names})
