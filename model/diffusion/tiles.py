"""A model-sized network over a whole photo: the Python reference of web/src/diffusion/tiles.ts.

The UNet was trained on `tile` x `tile` images. An image of any larger size is cut into tiles that
run as one batch, and each call shifts the tile grid by a fresh offset, so seams never settle in one
place (DDNM's "mask-shift" restoration, Wang et al. 2023). Tiles that would cross the image's edge
are pulled inside it, so they overlap their neighbours. Where tiles overlap, their predictions are
blended with weights that fall towards each tile's edge (as MultiDiffusion, Bar-Tal et al. 2023,
blends overlapping windows), so a prediction is taken from the tile that sees the most around it.
The result is an `EpsModel` over the whole image, so the samplers and the DDNM+ projection run on it
unchanged.

The first call of a restoration moves the image the most, and each tile's error there (a shade
lighter or darker than its neighbours) becomes a seam that later calls, at less noise, keep as if it
were detail, unless the projection puts the shade right: it does where pixels are known or measured
in blocks (inpainting, enlarging, colourising), not where every pixel is noisy. So for a noisy photo
the first call runs two grids half a tile apart: each seam of one lies mid-tile in the other, whose
prediction takes over. At 10 steps (denoising: 2 calls) that removed the seams visible on smooth
areas and gained 0.1-0.15 dB; noiseless enlargements showed no seams without it, and it would cost
them a fifth more tiles (model/README.md, "Steps per kind of task").
"""
from __future__ import annotations

from typing import Callable, Optional

import torch

from .samplers import EpsModel

Offsets = Callable[[], tuple[int, int]]


def tile_positions(length: int, tile: int, offset: int) -> list[int]:
    """Starts of the tiles that cover [0, length): a grid shifted by `offset`, edge tiles pulled inside."""
    if length < tile:
        raise ValueError(f"an image side of {length} is smaller than the tile ({tile}): pad it first")
    if not 0 <= offset < tile:
        raise ValueError(f"the grid offset must be in [0, {tile}), got {offset}")
    starts = range(offset - tile if offset else 0, length, tile)
    return sorted({min(max(start, 0), length - tile) for start in starts})


def random_offsets(tile: int, generator: torch.Generator) -> Offsets:
    """A fresh (dy, dx), uniform in [0, tile)^2, for every call."""
    def draw() -> tuple[int, int]:
        dy, dx = (int(v) for v in torch.randint(0, tile, (2,), generator=generator))
        return dy, dx

    return draw


def tent(tile: int) -> torch.Tensor:
    """[tile, tile] weights that fall linearly from the tile's centre towards its edges (never to 0)."""
    i = torch.arange(tile, dtype=torch.float64)
    side = torch.minimum(i + 0.5, tile - i - 0.5) / (tile / 2)
    return side[:, None] * side[None, :]


def tiled_eps_model(tile_eps: EpsModel, tile: int, offsets: Offsets, needed: Optional[torch.Tensor] = None,
                    fallback: Optional[EpsModel] = None, two_grids_first: bool = False) -> EpsModel:
    """`tile_eps` (for any batch of tile x tile images) as a noise predictor for images of any size >= tile,
    on one grid per call, shifted by `offsets()`; with `two_grids_first`, its first call runs on the
    unshifted grid and the one half a tile off it instead.

    With `needed` [H, W] (true where the network must predict), only the tiles that hold a needed
    pixel run, and the pixels no running tile covers take `fallback`'s prediction: removing a
    scratch from a large photo runs the network on the tiles along the scratch alone."""
    if (needed is None) != (fallback is None):
        raise ValueError("skipping tiles needs both the needed pixels and a fallback prediction")
    window = tent(tile)
    calls = 0

    def eps_model(x: torch.Tensor, t: float) -> torch.Tensor:
        nonlocal calls
        calls += 1
        _, channels, height, width = x.shape
        grids = [(0, 0), (tile // 2, tile // 2)] if two_grids_first and calls == 1 else [offsets()]
        # Both grids of the first call share the tiles pulled inside at the image's edges: each runs once.
        corners = list(dict.fromkeys((i, j) for dy, dx in grids for i in tile_positions(height, tile, dy)
                                     for j in tile_positions(width, tile, dx)
                                     if needed is None or bool(needed[i:i + tile, j:j + tile].any())))
        total, weight = torch.zeros_like(x), torch.zeros(height, width, dtype=x.dtype)
        if corners:
            # [B, tiles, C, tile, tile], image-major: the batch of the network is B * tiles.
            tiles = torch.stack([x[:, :, i:i + tile, j:j + tile] for i, j in corners], dim=1)
            eps_tiles = tile_eps(tiles.reshape(-1, channels, tile, tile), t).reshape(tiles.shape)
            w = window.to(x)
            for k, (i, j) in enumerate(corners):
                total[:, :, i:i + tile, j:j + tile] += eps_tiles[:, k] * w
                weight[i:i + tile, j:j + tile] += w
        if fallback is None:
            return total / weight
        return torch.where(weight > 0, total / weight.clamp(min=1e-300), fallback(x, t))

    return eps_model
