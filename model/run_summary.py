"""A training run in numbers: `python -m model.run_summary RUN_DIR --out summary.json`.

Images seen, throughput, and the fraction of the accelerator's peak arithmetic rate that the training
step reached: FLOPs per training image (an analytic count of the network's products, times 3 for
forward plus backward) x images/s / peak. The default peak is the H200's dense bf16 rate from its
datasheet, 989 TFLOP/s (this workplace measured about 790 on large matrix products).
"""
from __future__ import annotations

import argparse
import json
import os
from typing import Any, Optional

import torch
from torch import nn

from . import checkpoint
from .unet import AttentionBlock, UNet

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


def images_per_second(rows: list[dict[str, Any]], images_seen: int, wall_seconds: float) -> float:
    """Steady-state throughput: from the first logged row on, which leaves compilation and warm-up out."""
    if len(rows) >= 2 and rows[-1]["wall_s"] > rows[0]["wall_s"]:
        return (rows[-1]["kimg"] - rows[0]["kimg"]) * 1000 / (rows[-1]["wall_s"] - rows[0]["wall_s"])
    return images_seen / max(wall_seconds, 1e-9)


def summarize(run_dir: str, peak_flops: float, command_seconds: Optional[float]) -> dict[str, Any]:
    state = checkpoint.load(os.path.join(run_dir, "ema.pt"))
    net, _ = checkpoint.ema_network(state)
    metrics = os.path.join(run_dir, "metrics.jsonl")
    rows = [json.loads(line) for line in open(metrics)] if os.path.isfile(metrics) else []
    speed = images_per_second(rows, state["images_seen"], state["wall_seconds"])
    overall = state["images_seen"] / max(state["wall_seconds"], 1e-9)  # compilation included
    train_flops = 3 * forward_flops(net)  # the backward pass costs about twice the forward
    return {
        "preset": state.get("preset"), "parameters": state.get("parameters"), "hardware": state.get("hardware"),
        "torch": torch.__version__, "code_revision": state.get("code_revision"),
        "batch_size": state["train"]["batch_size"], "lr": state["train"]["lr"],
        "steps": state["step"], "images_seen": state["images_seen"],
        "train_wall_s": round(state["wall_seconds"], 1), "command_wall_s": command_seconds,
        "images_per_s": round(speed, 1), "images_per_s_overall": round(overall, 1),
        "loss_first": rows[0]["loss"] if rows else None, "loss_last": rows[-1]["loss"] if rows else None,
        "train_flops_per_image": train_flops, "achieved_tflops": round(train_flops * speed / 1e12, 3),
        "peak_tflops": peak_flops / 1e12, "fraction_of_peak": train_flops * speed / peak_flops,
    }


def main(argv: Optional[list[str]] = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m model.run_summary", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("run_dir", help="a model.train run directory (ema.pt, metrics.jsonl)")
    parser.add_argument("--out", required=True, help="JSON file to write")
    parser.add_argument("--peak-flops", type=float, default=H200_BF16_DENSE_PEAK,
                        help="the accelerator's peak FLOP/s (default: H200 dense bf16, 989e12)")
    parser.add_argument("--command-seconds", type=float, help="the whole command's wall time, to record")
    args = parser.parse_args(argv)
    summary = summarize(args.run_dir, args.peak_flops, args.command_seconds)
    with open(args.out, "w") as f:
        json.dump(summary, f, indent=2)
    print(json.dumps(summary, indent=2))


if __name__ == "__main__":
    main()
