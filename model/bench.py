"""Training throughput per preset: `python -m model.bench [--presets tiny,cpu,ddpm] [--steps 5]`.

For each preset, images/s of the real training step (model.train's Trainer: EMA, gradient
clipping, and on GPUs bf16 autocast, channels_last and torch.compile) beside a plain PyTorch loop of
the same network (Adam on the eps loss, nothing else), measured in turns in one process. The ratio
shows what the trainer's extras cost or gain on this machine.
"""
from __future__ import annotations

import argparse
import math
import os
import tempfile
import time
from typing import Callable, Optional

import numpy as np
import torch
import torch.nn.functional as F
from PIL import Image

from .config import PRESETS
from .train import Distributed, Trainer, parse_args, setup_distributed
from .unet import UNet, count_parameters


def write_random_folder(root: str, classes: int, size: int) -> None:
    rng = np.random.default_rng(0)
    for c in range(classes):
        os.makedirs(os.path.join(root, f"class{c:02d}"))
        for i in range(4):
            Image.fromarray(rng.integers(0, 256, (size, size, 3), dtype=np.uint8)).save(
                os.path.join(root, f"class{c:02d}", f"{i}.png"))


def plain_step(net: UNet, optimizer: torch.optim.Optimizer, batch: int, device: torch.device) -> Callable[[], None]:
    config = net.config
    shape = (batch, config.in_channels, config.image_size, config.image_size)

    def step() -> None:
        x0 = torch.randn(shape, device=device)
        noise = torch.randn(shape, device=device)
        t = torch.randint(0, 1000, (batch,), device=device)
        a = torch.cos(t.float() / 1000 * math.pi / 2).pow(2).view(-1, 1, 1, 1)
        labels = torch.randint(0, config.num_classes + 1, (batch,), device=device)
        loss = F.mse_loss(net(a.sqrt() * x0 + (1 - a).sqrt() * noise, t.float(), labels), noise)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()

    return step


def images_per_second(step: Callable[[], None], batch: int, steps: int, device: torch.device) -> float:
    step()  # warm-up (and compilation, where there is any)
    if device.type == "cuda":
        torch.cuda.synchronize()
    start = time.perf_counter()
    for _ in range(steps):
        step()
    if device.type == "cuda":
        torch.cuda.synchronize()
    return batch * steps / (time.perf_counter() - start)


def bench_preset(name: str, steps: int, batch: Optional[int], work: str, env: Distributed) -> None:
    preset = PRESETS[name]
    data = os.path.join(work, f"data-{name}")
    write_random_folder(data, preset.unet.num_classes, preset.unet.image_size)
    args = parse_args(["--preset", name, "--data", f"folder:{data}", "--run-dir", os.path.join(work, f"run-{name}")]
                      + (["--batch-size", str(batch)] if batch else []))
    trainer = Trainer(args, env)
    batch = trainer.train_config.batch_size
    net = UNet(preset.unet).to(env.device)
    optimizer = torch.optim.Adam(net.parameters(), lr=1e-4)
    plain = images_per_second(plain_step(net, optimizer, batch, env.device), batch, steps, env.device)
    ours = images_per_second(lambda: trainer.train_step(batch), batch, steps, env.device)
    print(f"{name:5s} {count_parameters(net) / 1e6:6.2f}M params  batch {batch:4d}  "
          f"trainer {ours:8.1f} img/s  plain loop {plain:8.1f} img/s  ratio {ours / plain:5.2f}", flush=True)


def main(argv: Optional[list[str]] = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m model.bench", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--presets", default="tiny,cpu,ddpm")
    parser.add_argument("--steps", type=int, default=5, help="timed steps per measurement")
    parser.add_argument("--batch-size", type=int, help="override the presets' batch sizes")
    args = parser.parse_args(argv)
    env = setup_distributed("auto")
    device = "cuda" if env.device.type == "cuda" else f"cpu ({torch.get_num_threads()} threads)"
    print(f"training throughput on {device}, torch {torch.__version__}; {args.steps} timed steps each")
    with tempfile.TemporaryDirectory() as work:
        for name in args.presets.split(","):
            bench_preset(name, args.steps, args.batch_size, work, env)


if __name__ == "__main__":
    main()
