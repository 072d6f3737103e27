"""Configuration: the network, the diffusion process and the training run, with named presets.

One dataclass per concern; `PRESETS` names the combinations we train. Every field is a CLI flag of
`model.train` (see `add_flags`), so a preset is only a set of defaults.
"""
from __future__ import annotations

import argparse
import dataclasses
from dataclasses import dataclass, field
from typing import Any

CIFAR10_CLASSES = ["airplane", "automobile", "bird", "cat", "deer", "dog", "frog", "horse", "ship", "truck"]


@dataclass
class UNetConfig:
    image_size: int = 32
    in_channels: int = 3
    model_channels: int = 64
    channel_mult: tuple[int, ...] = (1, 2, 2)
    num_res_blocks: int = 2
    attention_resolutions: tuple[int, ...] = (8,)
    num_heads: int = 4
    dropout: float = 0.1
    num_classes: int = 10  # 0 for an unconditional model; the null class is always index num_classes
    groups: int = 32  # GroupNorm groups, capped by the channel count

    def validate(self) -> None:
        if self.image_size % (2 ** (len(self.channel_mult) - 1)) != 0:
            raise ValueError(
                f"image_size {self.image_size} is not divisible by 2^{len(self.channel_mult) - 1} "
                f"(one halving per level of channel_mult {self.channel_mult})")
        for mult in self.channel_mult:
            ch = self.model_channels * mult
            if ch % min(self.groups, ch) != 0:
                raise ValueError(f"{ch} channels cannot be split into {self.groups} GroupNorm groups")
        resolutions = {self.image_size >> level for level in range(len(self.channel_mult))}
        for res in self.attention_resolutions:
            if res not in resolutions:
                raise ValueError(f"attention resolution {res} is not one of the UNet's resolutions "
                                 f"{sorted(resolutions)}")
        if self.num_res_blocks < 1 or self.model_channels < 1 or self.num_classes < 0:
            raise ValueError("num_res_blocks and model_channels must be positive, num_classes non-negative")


@dataclass
class DiffusionConfig:
    schedule: str = "cosine"  # "cosine" (Nichol & Dhariwal 2021) or "linear" (Ho et al. 2020)
    timesteps: int = 1000
    prediction: str = "eps"  # what the network predicts: "eps" or "v"
    min_snr_gamma: float = 0.0  # 0 disables min-SNR loss weighting (Hang et al. 2023)

    def validate(self) -> None:
        if self.schedule not in ("cosine", "linear"):
            raise ValueError(f"unknown schedule {self.schedule!r}: use 'cosine' or 'linear'")
        if self.prediction not in ("eps", "v"):
            raise ValueError(f"unknown prediction {self.prediction!r}: use 'eps' or 'v'")
        if self.timesteps < 2:
            raise ValueError("timesteps must be at least 2")


@dataclass
class TrainConfig:
    batch_size: int = 64  # global batch, split across DDP ranks
    lr: float = 2e-4
    warmup_kimg: float = 10.0  # linear learning-rate warm-up, in thousands of images
    total_kimg: float = 5000.0
    grad_clip: float = 1.0
    ema_halflife_kimg: float = 500.0  # EMA half-life, as in EDM (Karras et al. 2022)
    ema_rampup: float = 0.05  # early on, the half-life is at most this fraction of the images seen
    label_dropout: float = 0.1  # probability of training on the null class (classifier-free guidance)
    hflip: bool = True
    seed: int = 0
    log_every: int = 50  # steps
    sample_every_kimg: float = 50.0
    checkpoint_every_kimg: float = 10.0


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


def add_flags(parser: argparse.ArgumentParser, *configs: type) -> None:
    """Add one --flag per dataclass field; defaults stay None so that presets fill them in."""
    for cls in configs:
        group = parser.add_argument_group(cls.__name__)
        for f in dataclasses.fields(cls):
            flag = "--" + f.name.replace("_", "-")
            if f.type in ("bool",):
                group.add_argument(flag, type=lambda s: s.lower() in ("1", "true", "yes"), default=None,
                                   metavar="BOOL")
            elif f.type.startswith("tuple"):
                group.add_argument(flag, type=_parse_ints, default=None, metavar="N,N,...")
            else:
                group.add_argument(flag, type={"int": int, "float": float, "str": str}[f.type], default=None)


def override(config: Any, args: argparse.Namespace) -> Any:
    """A copy of `config` with every field that was given on the command line replaced."""
    changes = {f.name: getattr(args, f.name) for f in dataclasses.fields(config)
               if getattr(args, f.name, None) is not None}
    return dataclasses.replace(config, **changes)


def unet_from_dict(d: dict[str, Any]) -> UNetConfig:
    d = dict(d)
    d["channel_mult"] = tuple(d["channel_mult"])
    d["attention_resolutions"] = tuple(d["attention_resolutions"])
    return UNetConfig(**d)
