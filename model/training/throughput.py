"""How fast training runs: FLOPs per training image, a finished run's throughput and the fraction of
the accelerator's peak arithmetic rate it reached (`model.run_summary`), the trainer's step beside a
plain PyTorch loop of the same network, and what each lever of that step would change (`model.bench`).

The fraction of peak is FLOPs per training image (an analytic count of the network's products,
times 3 for forward plus backward) x images/s / peak. The default peak is the H200's dense bf16
rate from its datasheet, 989 TFLOP/s (this workplace measured about 790 on large matrix products).
"""
from __future__ import annotations

import json
import math
import os
import time
from typing import Any, Callable, Optional

import numpy as np
import torch
import torch.nn.functional as F
from PIL import Image
from torch import nn

from ..networks.unet import AttentionBlock, UNet, count_parameters
from . import checkpoint
from .config import PRESETS
from .trainer import Distributed, Trainer, TrainingRun

H200_BF16_DENSE_PEAK = 989e12


def forward_flops(net: UNet) -> int:
    """FLOPs (2 per multiply-add) of one image's forward pass: convolutions, linear layers and attention.

    Normalisations, activations and additions are left out, as usual for utilisation figures: they cost
    memory traffic, not matrix arithmetic.
    """
    total = [0]

    def conv(module: nn.Module, _inputs: Any, out: torch.Tensor) -> None:
        assert isinstance(module, nn.Conv2d)
        kh, kw = module.kernel_size
        total[0] += 2 * out.numel() * module.in_channels // module.groups * kh * kw

    def linear(module: nn.Module, _inputs: Any, out: torch.Tensor) -> None:
        assert isinstance(module, nn.Linear)
        total[0] += 2 * out.numel() * module.in_features

    def attention(module: nn.Module, _inputs: Any, _out: torch.Tensor) -> None:
        assert isinstance(module, AttentionBlock)
        heads, head_dim, pixels = module.shape
        total[0] += 2 * 2 * heads * pixels * pixels * head_dim  # q^T k, then v weights^T

    hooks = {nn.Conv2d: conv, nn.Linear: linear, AttentionBlock: attention}
    handles = [m.register_forward_hook(hooks[type(m)]) for m in net.modules() if type(m) in hooks]
    config = net.config
    try:
        with torch.no_grad():
            net(torch.zeros(1, config.in_channels, config.image_size, config.image_size), torch.zeros(1),
                torch.zeros(1, dtype=torch.int32))
    finally:
        for handle in handles:
            handle.remove()
    return total[0]


def run_images_per_second(rows: list[dict[str, Any]], images_seen: int, wall_seconds: float) -> float:
    """Steady-state throughput: from the first logged row on, which leaves compilation and warm-up out."""
    if len(rows) >= 2 and rows[-1]["wall_s"] > rows[0]["wall_s"]:
        return (rows[-1]["kimg"] - rows[0]["kimg"]) * 1000 / (rows[-1]["wall_s"] - rows[0]["wall_s"])
    return images_seen / max(wall_seconds, 1e-9)


def summarize(run_dir: str, peak_flops: float, command_seconds: Optional[float]) -> dict[str, Any]:
    """A run directory's numbers (from ema.pt and metrics.jsonl), its FLOPs and its fraction of `peak_flops`."""
    state = checkpoint.load(os.path.join(run_dir, "ema.pt"))
    net, _ = checkpoint.ema_network(state)
    metrics = os.path.join(run_dir, "metrics.jsonl")
    rows = [json.loads(line) for line in open(metrics)] if os.path.isfile(metrics) else []
    start = state.get("warm_start", {"images_seen": 0, "wall_seconds": 0.0})  # this run's part, not its init's
    images, wall = state["images_seen"] - start["images_seen"], state["wall_seconds"] - start["wall_seconds"]
    speed = run_images_per_second(rows, images, wall)
    overall = images / max(wall, 1e-9)  # compilation included
    train_flops = 3 * forward_flops(net)  # the backward pass costs about twice the forward
    return {
        "preset": state.get("preset"), "parameters": state.get("parameters"), "hardware": state.get("hardware"),
        "torch": torch.__version__, "code_revision": state.get("code_revision"),
        "batch_size": state["train"]["batch_size"], "lr": state["train"]["lr"],
        "steps": state["step"], "images_seen": state["images_seen"],
        "warm_start_images": start["images_seen"], "train_wall_s": round(wall, 1), "command_wall_s": command_seconds,
        "images_per_s": round(speed, 1), "images_per_s_overall": round(overall, 1),
        "loss_first": rows[0]["loss"] if rows else None, "loss_last": rows[-1]["loss"] if rows else None,
        "train_flops_per_image": train_flops, "achieved_tflops": round(train_flops * speed / 1e12, 3),
        "peak_tflops": peak_flops / 1e12, "fraction_of_peak": train_flops * speed / peak_flops,
    }


# The trainer beside a plain loop -----------------------------------------------------------------

def write_random_folder(root: str, classes: int, size: int) -> None:
    """Four random RGB images per class: the trainer's data loading without a dataset."""
    rng = np.random.default_rng(0)
    for c in range(classes):
        os.makedirs(os.path.join(root, f"class{c:02d}"))
        for i in range(4):
            Image.fromarray(rng.integers(0, 256, (size, size, 3), dtype=np.uint8)).save(
                os.path.join(root, f"class{c:02d}", f"{i}.png"))


def plain_step(net: UNet, optimizer: torch.optim.Optimizer, batch: int, device: torch.device,
               channels_last: bool = False, bf16: bool = False) -> Callable[[], None]:
    config = net.config
    shape = (batch, config.in_channels, config.image_size, config.image_size)
    memory_format = torch.channels_last if channels_last else torch.contiguous_format

    def step() -> None:
        x0 = torch.randn(shape, device=device).contiguous(memory_format=memory_format)
        noise = torch.randn(shape, device=device).contiguous(memory_format=memory_format)
        t = torch.randint(0, 1000, (batch,), device=device)
        a = torch.cos(t.float() / 1000 * math.pi / 2).pow(2).view(-1, 1, 1, 1)
        labels = torch.randint(0, config.num_classes + 1, (batch,), device=device)
        with torch.autocast(device.type, dtype=torch.bfloat16, enabled=bf16):
            out = net(a.sqrt() * x0 + (1 - a).sqrt() * noise, t.float(), labels)
        loss = F.mse_loss(out.float(), noise)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()

    return step


def timed_images_per_second(step: Callable[[], object], batch: int, steps: int, device: torch.device) -> float:
    step()  # warm-up (and compilation, where there is any)
    if device.type == "cuda":
        torch.cuda.synchronize()
    start = time.perf_counter()
    for _ in range(steps):
        step()
    if device.type == "cuda":
        torch.cuda.synchronize()
    return batch * steps / (time.perf_counter() - start)


# What each lever of a training step would change: batch size, memory layout, bf16 autocast.
LEVERS: dict[str, dict[str, Any]] = {
    "batch / 2": {"batch_scale": 0.5}, "batch x 2": {"batch_scale": 2.0},
    "channels_last": {"channels_last": True}, "bf16 autocast": {"bf16": True},
}


def bench_levers(name: str, steps: int, rounds: int, device: torch.device) -> list[dict[str, Any]]:
    """Images/s of the plain step of a preset's network at its batch size, fp32 and contiguous, beside each
    lever of LEVERS, timed in turns (`rounds` of `steps` steps each) so that the machine's noise hits all alike."""
    preset = PRESETS[name]
    batch = preset.train.batch_size
    variants = {"fp32": {}, **LEVERS}
    steps_of: dict[str, Callable[[], None]] = {}
    batches: dict[str, int] = {}
    for lever, options in variants.items():
        torch.manual_seed(0)
        net = UNet(preset.unet).to(device)
        if options.get("channels_last"):
            # Module.to takes memory_format, as documented, but torch's overloads of it leave it out.
            net = net.to(memory_format=torch.channels_last)  # pyright: ignore[reportCallIssue]
        batches[lever] = max(1, int(batch * options.get("batch_scale", 1.0)))
        steps_of[lever] = plain_step(net, torch.optim.Adam(net.parameters(), lr=1e-4), batches[lever], device,
                                     options.get("channels_last", False), options.get("bf16", False))
    seconds = dict.fromkeys(variants, 0.0)
    for lever, step in steps_of.items():
        step()  # warm-up
    for _ in range(rounds):
        for lever, step in steps_of.items():
            seconds[lever] += batches[lever] * steps / timed_images_per_second(step, batches[lever], steps, device)
    speed = {lever: batches[lever] * steps * rounds / seconds[lever] for lever in variants}
    return [{"lever": lever, "batch": batches[lever], "images_per_s": speed[lever],
             "ratio": speed[lever] / speed["fp32"]} for lever in variants]


def bench_preset(name: str, steps: int, batch: Optional[int], work: str, env: Distributed) -> dict[str, Any]:
    """Images/s of the trainer's step and of a plain loop for one preset (at its batch size unless `batch`),
    on random images written under `work`."""
    preset = PRESETS[name]
    data = os.path.join(work, f"data-{name}")
    write_random_folder(data, preset.unet.num_classes, preset.unet.image_size)
    trainer = Trainer(TrainingRun(run_dir=os.path.join(work, f"run-{name}"), preset=name, data=f"folder:{data}",
                                  overrides={"batch_size": batch} if batch else {}), env)
    batch = trainer.train_config.batch_size
    net = UNet(preset.unet).to(env.device)
    optimizer = torch.optim.Adam(net.parameters(), lr=1e-4)
    plain = timed_images_per_second(plain_step(net, optimizer, batch, env.device), batch, steps, env.device)
    ours = timed_images_per_second(lambda: trainer.train_step(batch), batch, steps, env.device)
    return {"preset": name, "parameters": count_parameters(net), "batch": batch, "trainer": ours, "plain": plain}
