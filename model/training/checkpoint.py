"""Checkpoints: written atomically, read with clear errors, and turned back into a network."""
from __future__ import annotations

import os
import tempfile
from typing import Any

import torch

from ..diffusion.schedule import Diffusion, DiffusionConfig
from ..networks.unet import UNet, UNetConfig, unet_from_dict

FORMAT = "edge-diffusion-checkpoint-v1"


class CheckpointError(ValueError):
    """A checkpoint that cannot be used, and why."""


def save(path: str, state: dict[str, Any], fmt: str = FORMAT) -> None:
    """Write to a temporary file beside `path`, then rename: a crash never leaves half a checkpoint.

    `fmt` names the kind of file (read back as state["format"]), so a loader can refuse the wrong one.
    """
    directory = os.path.dirname(os.path.abspath(path))
    os.makedirs(directory, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=directory, prefix=".tmp-", suffix=".pt")
    try:
        with os.fdopen(fd, "wb") as f:
            torch.save({**state, "format": fmt}, f)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.remove(tmp)
        raise


def load(path: str, fmt: str = FORMAT, required: tuple[str, ...] = ("unet", "diffusion", "ema"),
         kind: str = "an edge-diffusion checkpoint") -> dict[str, Any]:
    """A state that `save` wrote with format `fmt`, holding the keys `required`; `kind` names it in errors."""
    if not os.path.isfile(path):
        raise CheckpointError(f"checkpoint not found: {path}")
    try:
        # Full unpickling: torch 1.13's weights_only loader rejects plain floats. Load only files you trust.
        state = torch.load(path, map_location="cpu", weights_only=False)
    except Exception as e:  # torch raises many types for truncated or foreign files
        raise CheckpointError(f"{path} is not a readable checkpoint (truncated, or not ours): {e}") from e
    if not isinstance(state, dict) or state.get("format") != fmt:
        raise CheckpointError(f"{path} is not {kind} (expected format {fmt})")
    for key in required:
        if key not in state:
            raise CheckpointError(f"{path} lacks {key!r}: it is not {kind}")
    return state


def configs(state: dict[str, Any]) -> tuple[UNetConfig, DiffusionConfig]:
    try:
        return unet_from_dict(state["unet"]), DiffusionConfig(**state["diffusion"])
    except TypeError as e:
        raise CheckpointError(f"checkpoint has an unknown configuration: {e}") from e


def ema_network(state: dict[str, Any]) -> tuple[UNet, Diffusion]:
    """The EMA network (in eval mode) and the diffusion process a checkpoint was trained with."""
    unet_config, diffusion_config = configs(state)
    net = UNet(unet_config)
    try:
        net.load_state_dict(state["ema"])
    except RuntimeError as e:
        raise CheckpointError(f"checkpoint weights do not fit its configuration: {e}") from e
    return net.eval().requires_grad_(False), Diffusion(diffusion_config)


def ema_only(state: dict[str, Any]) -> dict[str, Any]:
    """The small part of a checkpoint worth shipping: configuration, EMA weights and training facts.

    The weights are kept in float16, which halves what each new default adds to git (3.5 instead of
    7 MB for the page's model); loading them into a network restores float32, rounded at 5e-4.
    """
    keep = ("unet", "diffusion", "train", "distill", "class_names", "dataset", "dataset_name", "preset", "step",
            "images_seen", "wall_seconds", "warm_start", "distilled_from_images", "ema_rampup", "hardware",
            "code_revision", "parameters")
    small = {k: state[k] for k in keep if k in state}
    small["ema"] = {name: value.half() if value.is_floating_point() else value for name, value in state["ema"].items()}
    return small
