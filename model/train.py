"""Train the UNet: `python -m model.train --preset cpu --data <CIFAR-10 dir> --run-dir runs/cpu`.

One code path for CPU (fp32) and GPU (bf16 autocast, channels_last, torch.compile where it exists),
and several GPUs through `torchrun --nproc_per_node N -m model.train ...` (DDP). The run directory
collects `checkpoint.pt` (atomic; `--resume` continues exactly where it stopped), `ema.pt` (the EMA
weights alone: what `model.export` needs and `--init` warm-starts from; `ema-long.pt` too with
`--ema-long-rampup`), `metrics.jsonl`,
`loss.png` and sample grids under `samples/`. Ctrl-C saves a checkpoint before exiting, and so does
`--max-minutes` when its wall-clock budget is spent.
"""
from __future__ import annotations

import argparse
import sys
from typing import Optional

from .training import checkpoint
from .training.config import PRESETS, add_flags, given_flags
from .training.data import DatasetError
from .training.trainer import TrainingRun, train


def parse_args(argv: Optional[list[str]]) -> TrainingRun:
    parser = argparse.ArgumentParser(prog="python -m model.train", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--preset", choices=sorted(PRESETS), default="cpu",
                        help="; ".join(f"{k}: {v.description}" for k, v in PRESETS.items()))
    parser.add_argument("--data", help="CIFAR-10 directory (binary or python layout), cifar10:DIR or folder:DIR")
    parser.add_argument("--run-dir", required=True, help="where checkpoints, metrics and samples go")
    parser.add_argument("--resume", action="store_true", help="continue the checkpoint in --run-dir exactly")
    parser.add_argument("--init", help="start from the EMA weights of this checkpoint (e.g. model/weights/ema.pt)")
    parser.add_argument("--teacher", help="with a distilled student's --init (e.g. model/weights/student/ema.pt), its "
                        "teacher's weights (model/weights/ema.pt): go on distilling it where its run is gone")
    parser.add_argument("--device", choices=["auto", "cpu", "cuda"], default="auto")
    parser.add_argument("--compile", choices=["auto", "on", "off"], default="auto",
                        help="torch.compile (auto: on GPUs with PyTorch 2.x)")
    parser.add_argument("--precision", choices=["auto", "bf16", "fp32"], default="auto",
                        help="bf16 autocast (auto: on GPUs; bf16 pays on a CPU with AVX512-BF16: npm run bench:train)")
    parser.add_argument("--max-minutes", type=float,
                        help="wall-clock budget, startup and compilation included: then save a checkpoint and stop")
    add_flags(parser)
    args = parser.parse_args(argv)
    return TrainingRun(run_dir=args.run_dir, preset=args.preset, data=args.data, resume=args.resume, init=args.init,
                       teacher=args.teacher, device=args.device, compile=args.compile, precision=args.precision,
                       max_minutes=args.max_minutes, overrides=given_flags(args))


def main(argv: Optional[list[str]] = None) -> None:
    try:
        train(parse_args(argv))
    except (DatasetError, checkpoint.CheckpointError, ValueError) as e:
        sys.exit(f"error: {e}")


if __name__ == "__main__":
    main()
