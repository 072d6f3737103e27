"""Sample a grid from a checkpoint: `python -m model.sample CKPT --out grid.png`.

One row per class (or rows of unconditional samples for --per-class with --unconditional), with the
samplers, step counts and guidance the page offers; the same seed gives the same grid. A distilled
student samples its own way (DDIM at the timesteps it was trained at, guidance built in), as the page does.
"""
from __future__ import annotations

import argparse
import sys
from typing import Optional

from .diffusion.defaults import GenerateDefaults
from .diffusion.generate import add_generate_flags, generate_with
from .training import checkpoint
from .training.distill import student_of
from .training.images import grid_labels, save_grid
from .training.threads import use_cpu_threads


def main(argv: Optional[list[str]] = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m model.sample", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("checkpoint", help="checkpoint.pt or ema.pt")
    parser.add_argument("--out", required=True, help="PNG file to write")
    parser.add_argument("--per-class", type=int, default=10)
    parser.add_argument("--unconditional", action="store_true", help="use the null class for every image")
    add_generate_flags(parser)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--scale", type=int, default=2, help="pixel magnification of the PNG")
    args = parser.parse_args(argv)
    use_cpu_threads()
    try:
        state = checkpoint.load(args.checkpoint)
    except checkpoint.CheckpointError as e:
        sys.exit(f"error: {e}")
    net, diffusion = checkpoint.ema_network(state)
    labels = grid_labels(net.config.num_classes, args.per_class, args.unconditional)
    student = student_of(state, diffusion)
    sampling = student or GenerateDefaults(args.sampler, args.steps, args.guidance, args.guidance_interval)
    images = generate_with(net, diffusion, labels, sampling, args.seed)
    how = (f"a student's {student.sampler} at its {student.steps} timesteps" if student is not None
           else f"{args.sampler} {args.steps} steps, guidance {args.guidance}")
    save_grid(images, args.out, columns=args.per_class, scale=args.scale)
    print(f"wrote {args.out}: {len(labels)} images, {how}")


if __name__ == "__main__":
    main()
