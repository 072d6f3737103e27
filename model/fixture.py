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

import numpy as np
from PIL import Image

from .export import export
from .train import main as train

CLASSES = ["checkers", "disc", "gradient", "stripes"]
SIZE = 16


def draw(kind: str, rng: np.random.Generator) -> np.ndarray:
    y, x = np.mgrid[0:SIZE, 0:SIZE].astype(np.float32)
    period = rng.integers(3, 6)
    phase = rng.integers(0, period)
    if kind == "stripes":
        mask = ((y + phase) // (period / 2)) % 2
    elif kind == "checkers":
        mask = (((y + phase) // period) + ((x + phase) // period)) % 2
    elif kind == "disc":
        cy, cx, r = rng.uniform(5, 11), rng.uniform(5, 11), rng.uniform(3, 6)
        mask = ((y - cy) ** 2 + (x - cx) ** 2 < r ** 2).astype(np.float32)
    else:
        angle = rng.uniform(0, 2 * np.pi)
        mask = ((np.cos(angle) * (x - 7.5) + np.sin(angle) * (y - 7.5)) / 15 + 0.5).clip(0, 1)
    background, foreground = rng.uniform(0, 255, 3), rng.uniform(0, 255, 3)
    image = background + mask[..., None] * (foreground - background)
    return image.clip(0, 255).astype(np.uint8)


def write_dataset(root: str, per_class: int, seed: int = 0) -> None:
    rng = np.random.default_rng(seed)
    for kind in CLASSES:
        os.makedirs(os.path.join(root, kind), exist_ok=True)
        for i in range(per_class):
            Image.fromarray(draw(kind, rng)).save(os.path.join(root, kind, f"{i:04d}.png"))


def main(argv: Optional[list[str]] = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m model.fixture", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("out", help="export directory, e.g. test/fixtures/tiny")
    parser.add_argument("--kimg", type=float, default=40.0, help="thousands of training images")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as work:
        data, run = os.path.join(work, "data"), os.path.join(work, "run")
        write_dataset(data, per_class=256)
        train(["--preset", "tiny", "--data", f"folder:{data}", "--run-dir", run, "--num-classes", str(len(CLASSES)),
               "--total-kimg", str(args.kimg), "--batch-size", "32", "--lr", "2e-3", "--ema-halflife-kimg", "2",
               "--log-every", "100", "--sample-every-kimg", str(args.kimg), "--checkpoint-every-kimg", str(args.kimg)])
        if os.path.isdir(args.out):
            shutil.rmtree(args.out)
        manifest = export(os.path.join(run, "checkpoint.pt"), args.out, version_id="tiny-fixture",
                          name="Tiny test model (synthetic shapes, 16x16)")
        shutil.copy(os.path.join(run, "samples", "latest.png"), os.path.join(args.out, "samples.png"))
    print(f"wrote {args.out}: {', '.join(f['name'] for f in manifest['files'])}")


if __name__ == "__main__":
    main()
