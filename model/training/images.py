"""Pictures for people: sample grids (and their labels) and a loss curve, as PNG files (Pillow only)."""
from __future__ import annotations

import math

import numpy as np
import torch
from PIL import Image, ImageDraw


def to_uint8(images: torch.Tensor) -> np.ndarray:
    """[-1, 1] float [N, C, H, W] to uint8 [N, H, W, C]."""
    x = ((images.detach().float().cpu().clamp(-1, 1) + 1) * 127.5).round().to(torch.uint8)
    return x.permute(0, 2, 3, 1).numpy()


def save_grid(images: torch.Tensor, path: str, columns: int, scale: int = 2, pad: int = 2) -> None:
    pixels = to_uint8(images)
    n, h, w, c = pixels.shape
    rows = math.ceil(n / columns)
    grid = np.full((rows * (h + pad) + pad, columns * (w + pad) + pad, c), 255, dtype=np.uint8)
    for i in range(n):
        r, col = divmod(i, columns)
        grid[pad + r * (h + pad):pad + r * (h + pad) + h, pad + col * (w + pad):pad + col * (w + pad) + w] = pixels[i]
    image = Image.fromarray(grid[..., 0] if c == 1 else grid)
    image.resize((image.width * scale, image.height * scale), Image.Resampling.NEAREST).save(path)


def save_curve(xs: list[float], ys: list[float], path: str, x_label: str, y_label: str,
               size: tuple[int, int] = (640, 360)) -> None:
    """A line plot with a log-scale y axis (losses span decades)."""
    width, height = size
    margin = 48
    # Pillow 9 (Debian's) has no annotations, so pyright types Image.new's color as its default's int.
    image = Image.new("RGB", size, "white")  # pyright: ignore[reportArgumentType]
    draw = ImageDraw.Draw(image)
    points = [(x, math.log10(y)) for x, y in zip(xs, ys) if y > 0]
    if len(points) >= 2:
        x_min, x_max = points[0][0], points[-1][0]
        y_min, y_max = min(p[1] for p in points), max(p[1] for p in points)
        x_span, y_span = max(x_max - x_min, 1e-9), max(y_max - y_min, 1e-9)
        project = [(margin + (x - x_min) / x_span * (width - 2 * margin),
                    height - margin - (y - y_min) / y_span * (height - 2 * margin)) for x, y in points]
        draw.line(project, fill=(31, 119, 180), width=2)
        draw.text((4, margin - 12), f"{10 ** y_max:.4g}", fill="black")
        draw.text((4, height - margin - 6), f"{10 ** y_min:.4g}", fill="black")
        draw.text((margin, height - margin + 8), f"{x_min:.4g}", fill="black")
        draw.text((width - margin - 40, height - margin + 8), f"{x_max:.4g}", fill="black")
    draw.rectangle([margin, margin, width - margin, height - margin], outline="gray")
    draw.text((width // 2 - 40, height - 20), x_label, fill="black")
    draw.text((margin, 8), f"{y_label} (log scale)", fill="black")
    image.save(path)


def grid_labels(num_classes: int, per_class: int, unconditional: bool = False) -> torch.Tensor:
    """Labels for a grid: `per_class` of each class in turn, or one row of the null class."""
    if unconditional or num_classes == 0:
        return torch.full((per_class,), num_classes)
    return torch.arange(num_classes).repeat_interleave(per_class)
