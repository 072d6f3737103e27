"""A synthetic dataset a tiny UNet can learn in a minute: 16x16 images in four classes (stripes,
checkerboards, discs, gradients, in random colours), written as an image folder. `model.fixture`
trains the test model on it.
"""
from __future__ import annotations

import os

import numpy as np
from PIL import Image

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
