"""Restoration of real photos at their own size, as the page does it (`model.eval_photos`, and
`model.eval --photos-sizes`).

Photos that are not CIFAR-10 (scikit-image's astronaut, coffee and rocket, centre-cropped and
area-resized to squares of each size, a game character drawn here with flat colours and hard outlines,
and chelsea at its own aspect ratio; or any folder of a user's own) are damaged on purpose,
then restored tile by tile with the unconditional prior (diffusion/restore.py: photo_problem and
restore_photo, the page's route). Each task scores, with PSNR and SSIM against the original, the
damaged photo, classical baselines (baselines.py), one restoration and the mean of the candidates,
and times the diffusion restoration on this machine. The damaged photo is what a visitor would
upload: 8-bit, so noise is clipped at black and white.

`photos-<task>.png` shows one row per photo: original | damaged | best baseline | one restoration |
mean of the candidates, at the photos' own size.
"""
from __future__ import annotations

import argparse
import functools
import io
import os
import time
from dataclasses import asdict, dataclass, field
from typing import Any, Callable, Optional

import cv2
import numpy as np
import torch
from PIL import Image, ImageDraw

from ..diffusion.defaults import DEFAULTS
from ..diffusion.noise_level import estimate_noise_sigma
from ..diffusion.restore import candidates_differ, photo_problem, restore_photo
from ..diffusion.samplers import EpsModel
from ..diffusion.schedule import Diffusion
from ..networks.unet import UNet
from ..training.images import to_uint8
from .baselines import best_of, bicubic, lanczos, navier_stokes, nl_means, telea, total_variation
from .metrics import scores, to_unit_hwc
from .report import log
from .restoration import unconditional_tile_eps

SQUARE_PHOTOS = ("astronaut", "coffee", "rocket")
DRAWN_PHOTO = "character"  # drawn art, as a game's: flat colours and hard outlines (`drawn_character`)
ASPECT_PHOTO = "chelsea"
PHOTO_NAMES = (*SQUARE_PHOTOS, DRAWN_PHOTO, ASPECT_PHOTO)
IMAGE_SUFFIXES = (".png", ".jpg", ".jpeg", ".webp", ".bmp", ".tif", ".tiff")


@dataclass
class Photo:
    name: str
    image: torch.Tensor  # [C, H, W] in [-1, 1], H and W divisible by 4 (for x4 super-resolution)

    @property
    def label(self) -> str:
        return f"{self.name} {self.image.shape[1]}x{self.image.shape[2]}"


@dataclass
class Damaged:
    """What the visitor has, and what the restoration is told about it."""
    photo: torch.Tensor  # [C, h, w] in [-1, 1]: h = H / downsample
    known: Optional[torch.Tensor] = None  # [h, w], 1 where the photo's pixel is right
    downsample: int = 1
    grayscale: bool = False
    sigma: float = 0.0  # the noise std the restoration assumes, in [-1, 1] units
    facts: dict[str, float] = field(default_factory=dict)  # for the JSON: true and estimated noise


# A baseline restores the damaged photo (float [1, h, w, C] in [0, 1]) to [1, H, W, C], given the original.
Baseline = Callable[[Damaged, np.ndarray, np.ndarray], tuple[np.ndarray, dict[str, Any]]]


@dataclass
class PhotoTask:
    name: str
    damage: Callable[[torch.Tensor, np.random.Generator], Damaged]  # the clean photo [C, H, W] -> Damaged
    baselines: dict[str, Baseline]


# Damage ------------------------------------------------------------------------------------------

def as_8bit(image: torch.Tensor) -> torch.Tensor:
    """Rounded to 255 levels and clipped to [-1, 1], as a saved photo is."""
    return ((image.clamp(-1, 1) + 1) * 127.5).round() / 127.5 - 1


def noisy(level: int, estimate: bool, clean: torch.Tensor, rng: np.random.Generator) -> Damaged:
    """Gaussian noise of std level/255; the restoration is told that std, or what estimate_noise_sigma finds."""
    true_sigma = 2 * level / 255
    photo = as_8bit(clean + true_sigma * torch.from_numpy(rng.standard_normal(clean.shape)).to(clean))
    found = estimate_noise_sigma(photo)
    facts = {"noise_std_01": level / 255, "estimated_std_01": found / 2, "estimate_error": found / true_sigma - 1}
    return Damaged(photo, sigma=found if estimate else true_sigma, facts=facts)


def masked(lost: Callable[[int, int, np.random.Generator], np.ndarray], clean: torch.Tensor,
           rng: np.random.Generator) -> Damaged:
    """The photo with the pixels where `lost` [H, W] is true set to 0 (mid-gray), as the page's A+ y shows them."""
    known = torch.from_numpy(~lost(clean.shape[1], clean.shape[2], rng)).to(torch.uint8)
    return Damaged(clean * known, known=known)


def scattered(height: int, width: int, rng: np.random.Generator) -> np.ndarray:
    return rng.random((height, width)) < 0.5


def scratches(height: int, width: int, rng: np.random.Generator, count: int = 6) -> np.ndarray:
    """A few straight lines 1-3 pixels wide from edge to edge, as cracks and scratches on a print run."""
    mask = np.zeros((height, width), np.uint8)
    for _ in range(count):
        if rng.random() < 0.5:  # across, from the left edge to the right one; else down
            ends = (0, int(rng.integers(height))), (width - 1, int(rng.integers(height)))
        else:
            ends = (int(rng.integers(width)), 0), (int(rng.integers(width)), height - 1)
        cv2.line(mask, *ends, color=1, thickness=int(rng.integers(1, 4)))
    return mask.astype(bool)


def centre_hole(height: int, width: int, rng: np.random.Generator) -> np.ndarray:
    """A centred square of a quarter of the shorter side: larger than the model's view at 256x256."""
    side = min(height, width) // 4
    mask = np.zeros((height, width), bool)
    top, left = (height - side) // 2, (width - side) // 2
    mask[top:top + side, left:left + side] = True
    return mask


def downsampled(factor: int, clean: torch.Tensor, rng: np.random.Generator) -> Damaged:
    """Area averaging over factor x factor blocks: exactly A's average pooling."""
    return Damaged(torch.nn.functional.avg_pool2d(clean[None], factor)[0], downsample=factor)


def shrunk_by_pil(factor: int, jpeg_quality: Optional[int], clean: torch.Tensor, rng: np.random.Generator) -> Damaged:
    """As a camera or browser makes a small photo: PIL's antialiased bicubic resize, saved as an 8-bit PNG, or
    as a JPEG of `jpeg_quality`: not the average pooling the restoration's operator assumes."""
    height, width = clean.shape[1] // factor, clean.shape[2] // factor
    small = Image.fromarray(to_uint8(clean[None])[0]).resize((width, height), Image.Resampling.BICUBIC)
    if jpeg_quality is not None:
        saved = io.BytesIO()
        small.save(saved, format="JPEG", quality=jpeg_quality)
        small = Image.open(saved).convert("RGB")
    return Damaged(torch.from_numpy(np.asarray(small).copy()).permute(2, 0, 1).float() / 127.5 - 1, downsample=factor)


def gray(clean: torch.Tensor, rng: np.random.Generator) -> Damaged:
    return Damaged(clean.mean(dim=0, keepdim=True).expand_as(clean).clone(), grayscale=True)


# Baselines ---------------------------------------------------------------------------------------

def inpainter(restore: Callable[[np.ndarray, np.ndarray], np.ndarray]) -> Baseline:
    def baseline(damaged: Damaged, damaged01: np.ndarray, clean01: np.ndarray) -> tuple[np.ndarray, dict[str, Any]]:
        if damaged.known is None:
            raise ValueError("an inpainting baseline needs the damage's mask of known pixels")
        return restore(damaged01, damaged.known.numpy() == 0), {}
    return baseline


def upscaler(restore: Callable[[np.ndarray, int], np.ndarray]) -> Baseline:
    return lambda damaged, damaged01, clean01: (restore(damaged01, damaged.downsample), {})


INPAINTERS = {"telea": inpainter(telea), "navier_stokes": inpainter(navier_stokes)}
UPSCALERS = {"bicubic": upscaler(bicubic), "lanczos": upscaler(lanczos)}
# Told the same noise std as the restoration (in [0, 1] units: half of [-1, 1]'s); strengths chosen on the original.
DENOISERS: dict[str, Baseline] = {
    "nl_means": lambda d, x, c: best_of(functools.partial(nl_means, sigma=d.sigma / 2), x, c,
                                        {"h": [0.4, 0.6, 0.8, 1.0, 1.2]}),
    "tv": lambda d, x, c: best_of(total_variation, x, c, {"weight": [d.sigma / 2 * k for k in (0.25, 0.5, 1, 2)]})}


def photo_tasks() -> list[PhotoTask]:
    """The tasks visitors bring: denoising (told the noise, or estimating it), missing pixels, scratches, a large hole,
    x2 and x4 super-resolution (x4 also from PIL's bicubic resize, and from that saved as a JPEG of quality 85),
    colourisation."""
    tasks = [PhotoTask(f"denoise_{level}{'_estimated' if estimate else ''}",
                       functools.partial(noisy, level, estimate), DENOISERS)
             for level in (15, 25, 50) for estimate in (False, True)]
    tasks += [PhotoTask(name, functools.partial(masked, lost), INPAINTERS)
              for name, lost in (("inpaint_50pct", scattered), ("scratches", scratches), ("hole", centre_hole))]
    tasks += [PhotoTask(f"super_resolution_x{f}", functools.partial(downsampled, f), UPSCALERS) for f in (2, 4)]
    tasks += [PhotoTask(f"super_resolution_x4_{name}", functools.partial(shrunk_by_pil, 4, quality), UPSCALERS)
              for name, quality in (("pil", None), ("pil_jpeg85", 85))]
    tasks.append(PhotoTask("colourise", gray, {"gray": lambda damaged, damaged01, clean01: (damaged01, {})}))
    return tasks


# The photos --------------------------------------------------------------------------------------

def resized(image: np.ndarray, height: int, width: int) -> torch.Tensor:
    """uint8 [h, w, 3] centre-cropped to the aspect ratio of height x width, area-averaged to it, in [-1, 1]."""
    h, w = image.shape[:2]
    crop_h, crop_w = min(h, round(w * height / width)), min(w, round(h * width / height))
    top, left = (h - crop_h) // 2, (w - crop_w) // 2
    small = cv2.resize(image[top:top + crop_h, left:left + crop_w], (width, height), interpolation=cv2.INTER_AREA)
    return torch.from_numpy(small).permute(2, 0, 1).float() / 127.5 - 1


def drawn_character(side: int) -> torch.Tensor:
    """A game character drawn by this code at side x side, in [-1, 1]: flat colours, black outlines as thick
    as a drawn sprite's, no antialiasing (the mission's example of a picture to repair)."""
    # Pillow 9 (Debian's) has no annotations, so pyright types Image.new's color as its default's int.
    image = Image.new("RGB", (side, side), (110, 190, 235))  # sky  # pyright: ignore[reportArgumentType]
    draw = ImageDraw.Draw(image)
    line = max(1, side // 48)

    def at(*fractions: float) -> list[float]:
        return [f * side for f in fractions]

    draw.rectangle(at(0, 0.78, 1, 1), fill=(90, 170, 70))  # grass
    draw.ellipse(at(0.62, 0.08, 0.9, 0.2), fill=(250, 250, 250), outline=(0, 0, 0), width=line)  # a cloud
    draw.rectangle(at(0.36, 0.62, 0.44, 0.86), fill=(60, 60, 160), outline=(0, 0, 0), width=line)  # legs
    draw.rectangle(at(0.56, 0.62, 0.64, 0.86), fill=(60, 60, 160), outline=(0, 0, 0), width=line)
    draw.ellipse(at(0.28, 0.3, 0.72, 0.72), fill=(240, 140, 40), outline=(0, 0, 0), width=line)  # body
    draw.polygon(at(0.3, 0.36, 0.5, 0.12, 0.7, 0.36), fill=(210, 40, 50), outline=(0, 0, 0))  # hat
    for left in (0.37, 0.53):  # eyes
        draw.ellipse(at(left, 0.42, left + 0.1, 0.54), fill=(255, 255, 255), outline=(0, 0, 0), width=line)
        draw.ellipse(at(left + 0.04, 0.46, left + 0.08, 0.52), fill=(0, 0, 0))
    draw.line(at(0.42, 0.62, 0.58, 0.62), fill=(0, 0, 0), width=line)  # mouth
    draw.rectangle(at(0.76, 0.3, 0.8, 0.66), fill=(190, 190, 200), outline=(0, 0, 0), width=line)  # sword
    draw.rectangle(at(0.71, 0.6, 0.85, 0.64), fill=(120, 80, 40), outline=(0, 0, 0), width=line)
    return torch.from_numpy(np.asarray(image).copy()).permute(2, 0, 1).float() / 127.5 - 1


def load_photos(sizes: list[int], names: list[str]) -> list[Photo]:
    """The named square photos (and the drawn character) at every size, and chelsea (if named) at its own
    aspect ratio, as tall as the smallest size."""
    import skimage.data  # Debian's scikit-image ships these photos: nothing is downloaded

    def photo(name: str) -> np.ndarray:  # by name: skimage.data loads its photos lazily, untyped
        return getattr(skimage.data, name)()

    photos = []
    for size in sizes:
        photos += [Photo(name, resized(photo(name), size, size)) for name in SQUARE_PHOTOS if name in names]
        if DRAWN_PHOTO in names:
            photos.append(Photo(DRAWN_PHOTO, drawn_character(size)))
    if ASPECT_PHOTO not in names:
        return photos
    cat = photo(ASPECT_PHOTO)
    height = min(sizes)
    width = round(cat.shape[1] * height / cat.shape[0] / 4) * 4
    return photos + [Photo(ASPECT_PHOTO, resized(cat, height, width))]


def folder_photos(directory: str, longest: int) -> list[Photo]:
    """Every image in `directory` (by name), area-averaged until its longer side is at most `longest`, its
    sides cropped to multiples of 4 (for x4 super-resolution): a user's own photos."""
    paths = sorted(p for p in os.listdir(directory) if p.lower().endswith(IMAGE_SUFFIXES))
    if not paths:
        raise ValueError(f"no images ({', '.join(IMAGE_SUFFIXES)}) in {directory}")
    photos = []
    for name in paths:
        with Image.open(os.path.join(directory, name)) as opened:
            image = np.asarray(opened.convert("RGB"))
        scale = min(1.0, longest / max(image.shape[:2]))
        height, width = (max(4, int(side * scale) // 4 * 4) for side in image.shape[:2])
        photos.append(Photo(os.path.splitext(name)[0], resized(image, height, width)))
    return photos


# The runner --------------------------------------------------------------------------------------

@dataclass
class Settings:
    steps: int  # for every task but enlargement, as the manifest's restore_photo
    resample: int
    candidates: int
    seed: int
    enlarge_steps: int  # for x2 and x4 super-resolution, as the manifest's enlarge_photo
    enlarge_resample: int

    def for_downsample(self, downsample: int) -> tuple[int, int]:
        """The steps and repeats a photo restores at: an enlargement's own, as the page chooses them."""
        return (self.enlarge_steps, self.enlarge_resample) if downsample > 1 else (self.steps, self.resample)


def score(restored: torch.Tensor, clean01: np.ndarray) -> dict[str, float]:
    return scores(to_unit_hwc(restored[None]), clean01)


def evaluate_task(tile_eps: EpsModel, diffusion: Diffusion, tile: int, photo: Photo, task: PhotoTask,
                  settings: Settings) -> tuple[dict[str, Any], list[torch.Tensor]]:
    """One photo through one task: its scores, and the panels of its picture (each [C, H, W])."""
    clean = photo.image
    damaged = task.damage(clean, np.random.default_rng(settings.seed))
    problem = photo_problem(damaged.photo, damaged.known, damaged.downsample, damaged.grayscale, tile)
    steps, resample = settings.for_downsample(damaged.downsample)
    # As the page: restorations that cannot differ run once.
    count = settings.candidates if candidates_differ(problem, damaged.sigma, steps, diffusion.alphas_cumprod) else 1
    began = time.time()
    candidates = restore_photo(tile_eps, problem, tile, damaged.sigma, steps, resample, count, diffusion.alphas_cumprod,
                               torch.Generator().manual_seed(settings.seed)).clamp(-1, 1)
    wall = time.time() - began
    # What the page shows of the measurement: A+ y, at the restored size.
    shown = problem.degradation.pinv(problem.y)[0, :, :problem.height, :problem.width]
    clean01, damaged01 = to_unit_hwc(clean[None]), to_unit_hwc(damaged.photo[None])
    result: dict[str, Any] = {"photo": photo.name, "height": problem.height, "width": problem.width,
                              "task": task.name, "steps": steps, "resample": resample, "candidates": count,
                              **damaged.facts,
                              "damaged": score(shown, clean01), "baselines": {},
                              "restored": score(candidates[0], clean01),
                              "mean_of_candidates": score(candidates.mean(dim=0), clean01),
                              "wall_seconds": round(wall, 2)}
    best: Optional[tuple[float, np.ndarray]] = None
    for name, baseline in task.baselines.items():
        out01, params = baseline(damaged, damaged01, clean01)
        result["baselines"][name] = {**scores(out01, clean01), "params": params}
        if best is None or result["baselines"][name]["psnr"] > best[0]:
            best = (result["baselines"][name]["psnr"], out01)
    assert best is not None
    baseline_image = torch.from_numpy(best[1][0]).permute(2, 0, 1).float() * 2 - 1
    return result, [clean, shown, baseline_image, candidates[0], candidates.mean(dim=0)]


def save_rows(rows: list[list[torch.Tensor]], path: str, pad: int = 4) -> None:
    """Rows of [C, H, W] panels in [-1, 1], at their own size, on white; rows may differ in size."""
    pictures = [[to_uint8(p[None])[0] for p in row] for row in rows]
    width = max(sum(p.shape[1] + pad for p in row) + pad for row in pictures)
    height = sum(max(p.shape[0] for p in row) + pad for row in pictures) + pad
    sheet = np.full((height, width, 3), 255, np.uint8)
    top = pad
    for row in pictures:
        left = pad
        for p in row:
            sheet[top:top + p.shape[0], left:left + p.shape[1]] = p
            left += p.shape[1] + pad
        top += max(p.shape[0] for p in row) + pad
    Image.fromarray(sheet).save(path)


def evaluate_photos(net: UNet, diffusion: Diffusion, photos: list[Photo], settings: Settings, out_dir: str,
                    task_names: Optional[list[str]] = None) -> dict[str, Any]:
    """Every task (or those named) on every photo; writes photos-<task>.png into out_dir."""
    tasks = [t for t in photo_tasks() if task_names is None or t.name in task_names]
    tile_eps, tile = unconditional_tile_eps(net, diffusion), net.config.image_size
    runs = []
    for task in tasks:
        rows = []
        for photo in photos:
            log(f"photos: {task.name} on {photo.label}")
            result, panels = evaluate_task(tile_eps, diffusion, tile, photo, task, settings)
            runs.append(result)
            rows.append(panels)
        save_rows(rows, os.path.join(out_dir, f"photos-{task.name}.png"))
    return {**asdict(settings), "prior": "unconditional (null class)", "tile": tile, "runs": runs}


# Flags, shared by model.eval and model.eval_photos ------------------------------------------------

def int_list(text: str) -> list[int]:
    try:
        values = [int(v) for v in text.split(",") if v.strip()]
    except ValueError as e:
        raise argparse.ArgumentTypeError(f"expected comma-separated integers: {e}") from e
    if not values or min(values) < 32 or any(v % 4 for v in values):
        raise argparse.ArgumentTypeError("expected sizes of at least 32, divisible by 4 (for x4 super-resolution)")
    return values


def add_photo_arguments(parser: argparse.ArgumentParser, sizes: Optional[list[int]]) -> None:
    """The section's flags, shared by model.eval (where the section is off unless --photos-sizes is given)."""
    parser.add_argument("--photos-sizes", type=int_list, default=sizes,
                        help="sides of the square photos, e.g. 128,256 (the aspect-ratio photo is as tall as the "
                        "smallest); model.eval runs the section only when given")
    parser.add_argument("--photo-names", type=lambda s: [v for v in s.split(",") if v],
                        default=list(PHOTO_NAMES), help="which of the photos")
    parser.add_argument("--photo-steps", type=int, default=DEFAULTS.restore_photo.steps,
                        help="the manifest's default, for every task but enlargement")
    parser.add_argument("--photo-resample", type=int, default=DEFAULTS.restore_photo.resample,
                        help="the manifest's default, for every task but enlargement")
    parser.add_argument("--enlarge-steps", type=int, default=DEFAULTS.enlarge_photo.steps,
                        help="the manifest's default, for x2 and x4 super-resolution")
    parser.add_argument("--enlarge-resample", type=int, default=DEFAULTS.enlarge_photo.resample,
                        help="the manifest's default, for x2 and x4 super-resolution")
    parser.add_argument("--photo-candidates", type=int, default=4,
                        help="restorations per photo, also scored as their mean")


def check_photo_arguments(parser: argparse.ArgumentParser, args: argparse.Namespace) -> None:
    if min(args.photo_steps, args.photo_resample, args.enlarge_steps, args.enlarge_resample,
           args.photo_candidates) < 1:
        parser.error("--photo-steps, --photo-resample, --enlarge-steps, --enlarge-resample and --photo-candidates "
                     "must be positive")
    unknown = set(args.photo_names) - set(PHOTO_NAMES)
    if unknown or not args.photo_names:
        parser.error(f"--photo-names: unknown photos {sorted(unknown)}, use some of {list(PHOTO_NAMES)}")


def photo_settings(args: argparse.Namespace) -> Settings:
    return Settings(args.photo_steps, args.photo_resample, args.photo_candidates, args.seed, args.enlarge_steps,
                    args.enlarge_resample)
