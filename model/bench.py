"""Training throughput per preset: `python -m model.bench [--presets tiny,cpu,ddpm] [--steps 5]`.

For each preset, images/s of the real training step (model.train's Trainer: EMA, gradient
clipping, and on GPUs bf16 autocast, channels_last and torch.compile) beside a plain PyTorch loop of
the same network (Adam on the eps loss, nothing else), measured in turns in one process. The ratio
shows what the trainer's extras cost or gain on this machine. Then, for one preset (`--levers`), the
plain step beside each lever (half and double the batch, channels_last, bf16 autocast), in turns.
"""
from __future__ import annotations

import argparse
import tempfile
from typing import Optional

import torch

from .training.throughput import bench_levers, bench_preset
from .training.trainer import setup_distributed


def main(argv: Optional[list[str]] = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m model.bench", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--presets", default="tiny,cpu,ddpm")
    parser.add_argument("--steps", type=int, default=5, help="timed steps per measurement")
    parser.add_argument("--batch-size", type=int, help="override the presets' batch sizes")
    parser.add_argument("--levers", default="cpu", help="the preset whose step levers to compare ('' to skip)")
    parser.add_argument("--rounds", type=int, default=3, help="turns of the lever comparison")
    args = parser.parse_args(argv)
    env = setup_distributed("auto")
    device = "cuda" if env.device.type == "cuda" else f"cpu ({torch.get_num_threads()} threads)"
    print(f"training throughput on {device}, torch {torch.__version__}; {args.steps} timed steps each")
    with tempfile.TemporaryDirectory() as work:
        for name in args.presets.split(","):
            r = bench_preset(name, args.steps, args.batch_size, work, env)
            print(f"{name:5s} {r['parameters'] / 1e6:6.2f}M params  batch {r['batch']:4d}  trainer {r['trainer']:8.1f} "
                  f"img/s  plain loop {r['plain']:8.1f} img/s  ratio {r['trainer'] / r['plain']:5.2f}", flush=True)
    if args.levers:
        print(f"\nlevers of the {args.levers} preset's step (plain loop, in turns; ratio to fp32, contiguous, "
              "the preset's batch: how it trains on a CPU):")
        for r in bench_levers(args.levers, args.steps, args.rounds, env.device):
            print(f"{r['lever']:14s} batch {r['batch']:4d}  {r['images_per_s']:8.1f} img/s  ratio {r['ratio']:5.2f}",
                  flush=True)


if __name__ == "__main__":
    main()
