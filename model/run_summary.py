"""A training run in numbers: `python -m model.run_summary RUN_DIR --out summary.json`.

Images seen, throughput, and the fraction of the accelerator's peak arithmetic rate that the training
step reached: FLOPs per training image (an analytic count of the network's products, times 3 for
forward plus backward) x images/s / peak. The default peak is the H200's dense bf16 rate from its
datasheet, 989 TFLOP/s (this workplace measured about 790 on large matrix products).
"""
from __future__ import annotations

import argparse
import json
from typing import Optional

from .training.throughput import H200_BF16_DENSE_PEAK, summarize


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
