"""Make the tiny test model: `python -m model.fixture test/fixtures/tiny`.

Draws a synthetic dataset of 16x16 images in four classes a tiny UNet can learn in a minute
(stripes, checkerboards, discs, gradients, in random colours), trains the `tiny` preset on it and
exports it. The Worker's and the page's tests use the result: a real model, under 1 MB, whose
samples look like their class and whose restorations beat the damaged input.
"""
from __future__ import annotations

import argparse
import os
import shutil
import tempfile
from typing import Optional

from .onnx_export.version import export
from .training.shapes import CLASSES, write_dataset
from .training.trainer import TrainingRun, train


def main(argv: Optional[list[str]] = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m model.fixture", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("out", help="export directory, e.g. test/fixtures/tiny")
    parser.add_argument("--kimg", type=float, default=40.0, help="thousands of training images")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as work:
        data, run = os.path.join(work, "data"), os.path.join(work, "run")
        write_dataset(data, per_class=256)
        train(TrainingRun(run_dir=run, preset="tiny", data=f"folder:{data}", overrides={
            "num_classes": len(CLASSES), "total_kimg": args.kimg, "batch_size": 32, "lr": 2e-3,
            "ema_halflife_kimg": 2.0, "log_every": 100, "sample_every_kimg": args.kimg,
            "checkpoint_every_kimg": args.kimg}))
        if os.path.isdir(args.out):
            shutil.rmtree(args.out)
        manifest = export(os.path.join(run, "checkpoint.pt"), args.out, version_id="tiny-fixture",
                          name="Tiny test model (synthetic shapes, 16x16)")
        shutil.copy(os.path.join(run, "samples", "latest.png"), os.path.join(args.out, "samples.png"))
    print(f"wrote {args.out}: {', '.join(f['name'] for f in manifest['files'])}")


if __name__ == "__main__":
    main()
