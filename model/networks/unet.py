"""The denoising network: a class-conditional UNet of the DDPM/ADM family.

Residual blocks (GroupNorm, SiLU, dropout) receive a timestep + class embedding as a per-channel
scale and shift (ADM's "scale-shift norm", Dhariwal & Nichol 2021); self-attention runs at the
configured resolutions; the decoder concatenates the encoder's activations (skip connections).

Written to export cleanly to ONNX for the browser: every reshape uses sizes known when the module
is built (only the batch axis is dynamic), the timestep is a float and the class index an int32.
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import torch
import torch.nn.functional as F
from torch import nn


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


def unet_from_dict(d: dict[str, Any]) -> UNetConfig:
    """The configuration as a checkpoint stores it (tuples may come back as lists)."""
    d = dict(d)
    d["channel_mult"] = tuple(d["channel_mult"])
    d["attention_resolutions"] = tuple(d["attention_resolutions"])
    return UNetConfig(**d)


def timestep_embedding(t: torch.Tensor, dim: int, max_period: float = 10000.0) -> torch.Tensor:
    """Sinusoidal features of a (possibly fractional) timestep, as in the Transformer and DDPM."""
    half = dim // 2
    freqs = torch.exp(-math.log(max_period) * torch.arange(half, dtype=torch.float32, device=t.device) / half)
    args = t.float()[:, None] * freqs[None, :]
    return torch.cat([torch.cos(args), torch.sin(args)], dim=1)


class GroupNorm32(nn.GroupNorm):
    """GroupNorm computed in float32 whatever the activations' precision (as improved-diffusion's): under
    PyTorch 1.13's CPU bf16 autocast it would otherwise meet bf16 inputs with float32 weights and fail."""

    def forward(self, input: torch.Tensor) -> torch.Tensor:  # GroupNorm's parameter name, which it overrides
        # float32 (the exported graph's case: no casts in it), or CUDA autocast, which runs GroupNorm in fp32 itself.
        if input.dtype == torch.float32 or torch.is_autocast_enabled():
            return super().forward(input)
        return super().forward(input.float()).type(input.dtype)


def group_norm(channels: int, groups: int) -> nn.GroupNorm:
    return GroupNorm32(min(groups, channels), channels)


def zero_init(module: nn.Module) -> nn.Module:
    """Start a residual branch at zero, so every block begins as the identity."""
    for p in module.parameters():
        nn.init.zeros_(p)
    return module


class ResBlock(nn.Module):
    def __init__(self, in_ch: int, out_ch: int, emb_dim: int, dropout: float, groups: int):
        super().__init__()
        self.norm1 = group_norm(in_ch, groups)
        self.conv1 = nn.Conv2d(in_ch, out_ch, 3, padding=1)
        self.out_ch = out_ch
        self.emb = nn.Linear(emb_dim, 2 * out_ch)
        self.norm2 = group_norm(out_ch, groups)
        self.dropout = nn.Dropout(dropout)
        self.conv2 = zero_init(nn.Conv2d(out_ch, out_ch, 3, padding=1))
        self.skip = nn.Conv2d(in_ch, out_ch, 1) if in_ch != out_ch else nn.Identity()

    def forward(self, x: torch.Tensor, emb: torch.Tensor) -> torch.Tensor:
        h = self.conv1(F.silu(self.norm1(x)))
        # Slices of known size rather than chunk(): no Shape ops in the exported graph.
        scale_shift = self.emb(F.silu(emb))[:, :, None, None]
        scale, shift = scale_shift[:, :self.out_ch], scale_shift[:, self.out_ch:]
        h = self.norm2(h) * (1 + scale) + shift
        h = self.conv2(self.dropout(F.silu(h)))
        return self.skip(x) + h


class AttentionBlock(nn.Module):
    """Multi-head self-attention over the pixels of one resolution."""

    def __init__(self, channels: int, resolution: int, num_heads: int, groups: int):
        super().__init__()
        if channels % num_heads != 0:
            raise ValueError(f"{channels} channels cannot be split into {num_heads} attention heads")
        self.shape = (num_heads, channels // num_heads, resolution * resolution)
        self.image_shape = (channels, resolution, resolution)
        self.norm = group_norm(channels, groups)
        self.qkv = nn.Conv2d(channels, 3 * channels, 1)
        self.proj = zero_init(nn.Conv2d(channels, channels, 1))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        heads, head_dim, pixels = self.shape
        qkv = self.qkv(self.norm(x)).reshape(-1, 3 * heads, head_dim, pixels)
        q, k, v = qkv[:, :heads], qkv[:, heads:2 * heads], qkv[:, 2 * heads:]
        weights = torch.softmax(torch.matmul(q.transpose(2, 3), k) * head_dim ** -0.5, dim=-1)
        h = torch.matmul(v, weights.transpose(2, 3))  # [B, heads, head_dim, pixels]
        return x + self.proj(h.reshape(-1, *self.image_shape))


class Downsample(nn.Module):
    def __init__(self, channels: int):
        super().__init__()
        self.conv = nn.Conv2d(channels, channels, 3, stride=2, padding=1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.conv(x)


class Upsample(nn.Module):
    def __init__(self, channels: int):
        super().__init__()
        self.conv = nn.Conv2d(channels, channels, 3, padding=1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.conv(F.interpolate(x, scale_factor=2.0, mode="nearest"))


class Level(nn.Module):
    """The residual (and attention) blocks of one resolution, in the encoder or the decoder."""

    def __init__(self, blocks: list[nn.Module]):
        super().__init__()
        self.blocks = nn.ModuleList(blocks)

    def forward(self, x: torch.Tensor, emb: torch.Tensor) -> torch.Tensor:
        for block in self.blocks:
            x = block(x, emb) if isinstance(block, ResBlock) else block(x)
        return x


class UNet(nn.Module):
    def __init__(self, config: UNetConfig):
        super().__init__()
        config.validate()
        self.config = config
        ch = config.model_channels
        emb_dim = 4 * ch
        self.time_embed = nn.Sequential(nn.Linear(ch, emb_dim), nn.SiLU(), nn.Linear(emb_dim, emb_dim))
        # Index num_classes is the learned null class, used for unconditional and guided sampling.
        self.class_embed = nn.Embedding(config.num_classes + 1, emb_dim)
        self.input_conv = nn.Conv2d(config.in_channels, ch, 3, padding=1)

        def level(in_ch: int, out_ch: int, res: int) -> Level:
            blocks: list[nn.Module] = [ResBlock(in_ch, out_ch, emb_dim, config.dropout, config.groups)]
            if res in config.attention_resolutions:
                blocks.append(AttentionBlock(out_ch, res, config.num_heads, config.groups))
            return Level(blocks)

        # Encoder: remember each output's channel count for the decoder's skip connections.
        self.down = nn.ModuleList()
        skip_channels = [ch]
        res = config.image_size
        for i, mult in enumerate(config.channel_mult):
            for _ in range(config.num_res_blocks):
                self.down.append(level(ch, config.model_channels * mult, res))
                ch = config.model_channels * mult
                skip_channels.append(ch)
            if i < len(config.channel_mult) - 1:
                self.down.append(Downsample(ch))
                skip_channels.append(ch)
                res //= 2

        self.middle = Level([
            ResBlock(ch, ch, emb_dim, config.dropout, config.groups),
            AttentionBlock(ch, res, config.num_heads, config.groups),
            ResBlock(ch, ch, emb_dim, config.dropout, config.groups),
        ])

        self.up = nn.ModuleList()
        for i, mult in reversed(list(enumerate(config.channel_mult))):
            for j in range(config.num_res_blocks + 1):
                self.up.append(level(ch + skip_channels.pop(), config.model_channels * mult, res))
                ch = config.model_channels * mult
                if i > 0 and j == config.num_res_blocks:
                    self.up.append(Upsample(ch))
                    res *= 2

        self.out = nn.Sequential(group_norm(ch, config.groups), nn.SiLU(),
                                 zero_init(nn.Conv2d(ch, config.in_channels, 3, padding=1)))

    @property
    def null_class(self) -> int:
        return self.config.num_classes

    def forward(self, x: torch.Tensor, t: torch.Tensor, class_labels: torch.Tensor) -> torch.Tensor:
        """x: [B, C, H, W] noisy images; t: [B] float timesteps; class_labels: [B] ints (null = num_classes)."""
        emb = self.time_embed(timestep_embedding(t, self.config.model_channels))
        emb = emb + self.class_embed(class_labels)
        h = self.input_conv(x)
        skips = [h]
        for block in self.down:
            h = block(h, emb) if isinstance(block, Level) else block(h)
            skips.append(h)
        h = self.middle(h, emb)
        for block in self.up:
            h = block(torch.cat([h, skips.pop()], dim=1), emb) if isinstance(block, Level) else block(h)
        return self.out(h)


def count_parameters(model: nn.Module) -> int:
    return sum(p.numel() for p in model.parameters())
