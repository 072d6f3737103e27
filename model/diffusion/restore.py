"""Gradient-free restoration with the generative prior: the Python reference of
web/src/diffusion/restore.ts (same operator, pseudo-inverse, coefficients and noise draws).

A linear degradation y = A x (grayscale, then average-pool downsampling, then a mask of known
pixels) and its Moore-Penrose pseudo-inverse A+ give DDNM's range-null-space projection (Wang et
al. 2023): x0 <- x0 + lambda * A+ (y - A x0). With measurement noise sigma_y, lambda follows DDNM+
so the projection never injects more noise than the current step can absorb; with `resample` > 1
each step is re-noised and repeated, as RePaint's resampling (Lugmayr et al. 2022), so the
generated and known regions agree. Images are float64 [B, C, H, W]. A photo larger than the model is
restored on a canvas of whole tiles (`photo_problem`, `restore_photo`; tiles.py).
"""
from __future__ import annotations

import itertools
import math
from dataclasses import dataclass
from typing import Callable, Optional, Union

import torch
import torch.nn.functional as F

from .defaults import DEFAULTS
from .fill import fill_lost
from .resample import enlarge, shrink
from .samplers import Callback, EpsModel, NoiseSampler, ddim_step, default_noise, denoise
from .schedule import alpha_after, matched_timestep, sampling_timesteps, x0_to_eps
from .tiles import Offsets, random_offsets, tiled_eps_model


class Degradation:
    """A = mask . downsample . grayscale, on images of `channels` x height x width (`size`: one side or both)."""

    def __init__(self, size: Union[int, tuple[int, int]], channels: int, grayscale: bool = False,
                 downsample: int = 1, mask: Optional[torch.Tensor] = None):
        height, width = (size, size) if isinstance(size, int) else size
        if downsample not in (1, 2, 4):
            raise ValueError(f"downsample must be 1, 2 or 4, got {downsample}")
        if height % downsample != 0 or width % downsample != 0:
            raise ValueError(f"image size {height}x{width} is not divisible by the downsampling factor {downsample}")
        if mask is not None and tuple(mask.shape) != (height, width):
            raise ValueError(f"the mask has shape {tuple(mask.shape)}, expected ({height}, {width})")
        self.height, self.width, self.channels, self.factor = height, width, channels, downsample
        self.out_channels = 1 if grayscale else channels
        self.out_height, self.out_width = height // downsample, width // downsample
        # A low-resolution pixel is known only if its whole block is.
        lost = torch.zeros(height, width) if mask is None else (mask == 0).double()
        self.known = (F.max_pool2d(lost[None, None], downsample)[0, 0] == 0).double()

    @property
    def noise_gain(self) -> float:
        """How much i.i.d. pixel noise of std 1 shrinks in the measurement (averaging over channels and blocks)."""
        return 1 / math.sqrt(self.channels / self.out_channels * self.factor ** 2)

    def _check(self, values: torch.Tensor, channels: int, height: int, width: int) -> None:
        if values.dim() != 4 or tuple(values.shape[1:]) != (channels, height, width):
            raise ValueError(f"expected a batch of shape [B, {channels}, {height}, {width}], got {tuple(values.shape)}")

    def apply(self, x: torch.Tensor) -> torch.Tensor:
        """y = A x: the mean over channels (grayscale), over factor x factor blocks, then the mask."""
        self._check(x, self.channels, self.height, self.width)
        if self.out_channels == 1:
            x = x.mean(dim=1, keepdim=True)
        return F.avg_pool2d(x, self.factor) * self.known.to(x)

    def pinv(self, y: torch.Tensor) -> torch.Tensor:
        """A+ y: each measurement copied back to the pixels it averaged; lost pixels 0."""
        self._check(y, self.out_channels, self.out_height, self.out_width)
        x = (y * self.known.to(y)).repeat_interleave(self.factor, 2).repeat_interleave(self.factor, 3)
        return x.expand(-1, self.channels, -1, -1).clone()

    def project(self, x0: torch.Tensor, y: torch.Tensor, lam: float = 1.0) -> torch.Tensor:
        """x0 + lambda * A+ (y - A x0): the range-space part moves towards the measurement, the null space stays."""
        return x0 + lam * self.pinv(y - self.apply(x0))


def damage(clean: torch.Tensor, degradation: Degradation, sigma: float, noise_sampler: NoiseSampler) -> torch.Tensor:
    """What the visitor sees after damaging an image on purpose: A+ A x, plus pixel noise of std sigma."""
    damaged = degradation.pinv(degradation.apply(clean))
    if sigma > 0:
        damaged = damaged + sigma * noise_sampler(damaged.shape).to(damaged)
    return damaged


def mean_of_candidates(candidates: torch.Tensor, count: int) -> torch.Tensor:
    """[B * count, ...] restorations, `count` consecutive ones per image, to their per-image mean [B, ...].

    Each candidate is a posterior sample, whose expected squared error is twice the posterior mean's;
    the mean of K has (1 + 1/K) times it: softer, but closer to the original on average."""
    if count < 1 or len(candidates) % count != 0:
        raise ValueError(f"{len(candidates)} restorations are not a whole number of groups of {count}")
    return candidates.reshape(-1, count, *candidates.shape[1:]).mean(dim=1)


def ddnm_sampler(degradation: Degradation, y: torch.Tensor, sigma_y: float = 0.0,
                 resample: int = 1) -> Callable[..., torch.Tensor]:
    """DDNM(+) as a sampler with the common signature of samplers.py (eta defaults to DEFAULTS.ddnm_eta)."""
    if not isinstance(resample, int) or resample < 1:
        raise ValueError(f"resample must be a positive integer, got {resample}")
    if not sigma_y >= 0:
        raise ValueError(f"sigma_y must be >= 0, got {sigma_y}")

    def sample_ddnm(eps_model: EpsModel, x: torch.Tensor, timesteps: list[float], alphas_cumprod: torch.Tensor,
                    eta: float = DEFAULTS.ddnm_eta, clip: bool = True, noise_sampler: Optional[NoiseSampler] = None,
                    generator: Optional[torch.Generator] = None,
                    callback: Optional[Callback] = None) -> torch.Tensor:
        noise_sampler = noise_sampler or default_noise(generator)
        for i, t in enumerate(timesteps):
            a_t = float(alphas_cumprod[int(t)])
            a_s = alpha_after(alphas_cumprod, timesteps, i)
            # DDNM+: the projection adds sqrt(a_s) * lambda * sigma_y of noise to x_s, at most its whole noise std.
            # As in DDNM+, that noise is taken from the step's budget everywhere, not only in A's range.
            lam = min(1.0, math.sqrt(1 - a_s) / (math.sqrt(a_s) * sigma_y)) if sigma_y > 0 else 1.0
            spent = a_s * (lam * sigma_y) ** 2
            repeats = resample if i + 1 < len(timesteps) else 1
            x_t = x
            for r in range(repeats):
                eps, x0 = denoise(eps_model, x_t, t, a_t, clip)
                projected = degradation.project(x0, y, lam)
                x = ddim_step(projected, eps, a_t, a_s, eta, noise_sampler, spent)
                if r + 1 < repeats:
                    x_t = renoise(x, a_t / a_s, noise_sampler)
                elif callback is not None:
                    callback({"i": i, "t": t, "x": x, "denoised": projected})
        return x

    return sample_ddnm


def renoise(x: torch.Tensor, ratio: float, noise_sampler: NoiseSampler) -> torch.Tensor:
    """q(x_t | x_s): back from a_s to a_t = ratio * a_s, with fresh noise."""
    return math.sqrt(ratio) * x + math.sqrt(1 - ratio) * noise_sampler(x.shape).to(x)


# Photos at their own size ------------------------------------------------------------------------

@dataclass
class PhotoProblem:
    """A photo's restoration on a canvas of whole tiles: the operator, its measurement, the restored size."""
    degradation: Degradation
    y: torch.Tensor  # [B, out_channels, canvas height / factor, canvas width / factor]
    filled: torch.Tensor  # [B, C, canvas height, canvas width]: the photos, their padding copied from the nearest edge
    height: int  # the restored photo: downsample x the photo's own size
    width: int
    only_noise: bool  # every pixel measured, in colour, at full size: only noise can be wrong


def padded(side: int, tile: int) -> int:
    """The side rounded up to whole tiles."""
    return -(-side // tile) * tile


def photo_problem(photo: torch.Tensor, known: Optional[torch.Tensor], downsample: int, grayscale: bool,
                  tile: int) -> PhotoProblem:
    """The photo [C, h, w] (or a batch [B, C, h, w] with one mask) as the measurement of a
    (downsample * h) x (downsample * w) image, on a canvas padded to whole tiles. `known` [h, w] is 1
    where the photo's pixel is right (None: everywhere); the padding is simply unknown pixels to the
    projection."""
    photos = photo if photo.dim() == 4 else photo[None]
    channels, h, w = photos.shape[1:]
    grayscale = grayscale and channels > 1  # a one-channel photo has no colour to lose
    if tile % downsample != 0:
        raise ValueError(f"the tile ({tile}) is not divisible by the downsampling factor {downsample}")
    if known is not None and tuple(known.shape) != (h, w):
        raise ValueError(f"the mask has shape {tuple(known.shape)}, the photo is {h}x{w}")
    height, width = downsample * h, downsample * w
    canvas_height, canvas_width = padded(height, tile), padded(width, tile)
    low_known = torch.zeros(canvas_height // downsample, canvas_width // downsample, dtype=torch.uint8)
    low_known[:h, :w] = 1 if known is None else known
    mask = low_known.repeat_interleave(downsample, 0).repeat_interleave(downsample, 1)
    degradation = Degradation((canvas_height, canvas_width), channels, grayscale, downsample, mask)
    low = F.pad(photos, (0, low_known.shape[1] - w, 0, low_known.shape[0] - h), mode="replicate")
    filled = low.repeat_interleave(downsample, 2).repeat_interleave(downsample, 3)
    only_noise = downsample == 1 and not grayscale and (known is None or bool(known.all()))
    return PhotoProblem(degradation, degradation.apply(filled), filled, height, width, only_noise)


# Inpainting a noiseless photo starts from its lost pixels' fill (fill.py), noised to this level
# relative to the signal, as Come-Closer-Diffuse-Faster (Chung et al. 2022) starts from a good guess:
# on 128x128 photos with thin scratches, 5 dB better than from pure noise, in a third of the steps.
# From the biharmonic fill, 0.3 scored 0.2 to 1 dB above 0.5 for one restoration on scattered pixels,
# scratches and holes alike (128-256 px photos, 4 candidates), and the mean of 4 as well or better.
FILL_START_NOISE = 0.3
# Super-resolution starts from the photo enlarged with Lanczos-3, noised to this level: from pure
# noise, one x4 restoration of the photo evaluation's 128 px photos scored 1.2 dB below Lanczos, with
# speckles; from Lanczos at 0.3, 0.4 dB above it (0.2 to 0.5 were within 0.1 dB).
UPSCALE_START_NOISE = 0.3
# A visitor's small photo was shrunk by an antialiasing filter and saved as JPEG, not average-pooled:
# the projection treats the measurement as this noisy (DDNM+), so it does not force agreement with an
# operator that did not make the photo. On photos shrunk by PIL's bicubic, 0.05 gained 0.1 to 0.4 dB
# over an exact projection, one restoration and the mean alike; 0.1 lost again.
UPSCALE_MEASUREMENT_NOISE = 0.05


def measurement_noise(problem: PhotoProblem, sigma_y: float) -> float:
    """The noise std the projection assumes: the photo's own, at least UPSCALE_MEASUREMENT_NOISE when enlarging."""
    return max(sigma_y, UPSCALE_MEASUREMENT_NOISE) if problem.degradation.factor > 1 else sigma_y


def start_noise(problem: PhotoProblem, sigma_y: float) -> Optional[float]:
    """The noise level, relative to the signal, a restoration starts at (None: pure noise, the top of the schedule).

    When only noise is wrong with the photo, the photo itself is a sample of the forward process at
    its own noise level (on 128x128 photos at sigma 25/255: +0.4 dB over 20 DDNM+ steps from pure
    noise, in a sixth of the calls); when it is enlarged, the start is its Lanczos enlargement, noised;
    when only pixels are lost, their fill, noised."""
    if problem.only_noise and sigma_y > 0:
        return sigma_y
    if problem.degradation.factor > 1:
        return max(UPSCALE_START_NOISE, sigma_y)
    return None if network_needed(problem, sigma_y) is None else FILL_START_NOISE


def restoration_timesteps(steps: int, alphas_cumprod: torch.Tensor, level: Optional[float]) -> list[float]:
    """The timesteps from the one whose noise is `level` (None: the top) down, as densely as `steps` spans the
    whole schedule."""
    if level is None:
        return sampling_timesteps(steps, alphas_cumprod)
    start = matched_timestep(alphas_cumprod, level)
    lam = 0.5 * torch.log(alphas_cumprod / (1 - alphas_cumprod))
    share = float((lam[0] - lam[start]) / (lam[0] - lam[-1]))
    # Halves round up, as the page's Math.round does (Python's round goes to even).
    return sampling_timesteps(min(start + 1, max(1, math.floor(steps * share + 0.5))), alphas_cumprod, start)


def starting_point(problem: PhotoProblem, sigma_y: float, timesteps: list[float], alphas_cumprod: torch.Tensor,
                   candidates: int, noise_sampler: NoiseSampler) -> torch.Tensor:
    """Where the reverse process begins ([B * candidates, ...], each photo's candidates consecutive): pure
    noise at the top of the schedule; else the photo itself, which carries its own noise; else a guess
    (the photo enlarged, or the fill of its lost pixels) with the noise of the first timestep added."""
    d = problem.degradation
    shape = torch.Size((len(problem.y) * candidates, d.channels, d.height, d.width))
    if int(timesteps[0]) == len(alphas_cumprod) - 1:
        return noise_sampler(shape).to(problem.y)
    a = float(alphas_cumprod[int(timesteps[0])])
    if problem.only_noise and sigma_y > 0:
        return math.sqrt(a) * problem.filled.repeat_interleave(candidates, dim=0)
    guess = first_guess(problem).repeat_interleave(candidates, dim=0)
    return math.sqrt(a) * guess + math.sqrt(1 - a) * noise_sampler(shape).to(guess)


def first_guess(problem: PhotoProblem) -> torch.Tensor:
    """The canvas a restoration that starts below the top is noised from: the photo on its measured grid
    (its padding an edge copy) with its lost pixels filled (fill.py), enlarged with Lanczos-3 when the
    restoration enlarges it."""
    factor = problem.degradation.factor
    guess = fill_lost(problem.filled[..., ::factor, ::factor], ~lost_pixels(problem))
    return enlarge(guess, factor) if factor > 1 else guess


def lost_pixels(problem: PhotoProblem) -> torch.Tensor:
    """The photo's lost pixels on the measured grid [H / factor, W / factor]; its padding is not lost."""
    d = problem.degradation
    inside = torch.zeros_like(d.known, dtype=torch.bool)
    inside[:problem.height // d.factor, :problem.width // d.factor] = True
    return inside & (d.known == 0)


def network_needed(problem: PhotoProblem, sigma_y: float) -> Optional[torch.Tensor]:
    """The canvas pixels [H, W] only the network can restore, when that is not all of them: in a
    noiseless photo at full size and in colour, its lost pixels (the rest is the photo itself)."""
    d = problem.degradation
    if sigma_y > 0 or d.factor != 1 or d.out_channels != d.channels:
        return None
    return lost_pixels(problem)


# A window's fixed cost (its own network calls at smaller batches, its fill), as window area in tiles:
# two windows whose joint box is at most this much larger than both run as one.
WINDOW_COST_TILES = 16

Box = tuple[int, int, int, int]  # canvas rows [top, bottom) and columns [left, right)


def local_windows(needed: torch.Tensor, tile: int) -> Optional[list[Box]]:
    """The windows a task whose lost pixels only the network can restore runs on, given those pixels
    (`needed` [H, W], a canvas of whole tiles); None when they would be the whole canvas. Each window is
    tile-aligned, so the tile grid stays the same, and a tile wider than its lost pixels' tiles each
    side, so no tile clamped at its edge holds one: the same tiles run, and everything outside them is
    the photo. Windows that overlap become one, as do windows whose joint box costs little more
    (WINDOW_COST_TILES), so no tile runs twice."""
    rows, columns = needed.shape[0] // tile, needed.shape[1] // tile
    holds_needed = needed.reshape(rows, tile, columns, tile).any(dim=3).any(dim=1)
    windows: list[Box] = []
    for r, c in holds_needed.nonzero().tolist():
        box = (max(0, r - 1), min(rows, r + 2), max(0, c - 1), min(columns, c + 2))
        # Kept windows never join each other; a grown box may join more of them.
        joining = [w for w in windows if join(w, box)]
        while joining:
            for w in joining:
                box = joint(box, w)
                windows.remove(w)
            joining = [w for w in windows if join(w, box)]
        windows.append(box)
    if not windows or windows == [(0, rows, 0, columns)]:
        return None
    return [(top * tile, bottom * tile, left * tile, right * tile) for top, bottom, left, right in windows]


def area(box: Box) -> int:
    return (box[1] - box[0]) * (box[3] - box[2])


def joint(a: Box, b: Box) -> Box:
    return min(a[0], b[0]), max(a[1], b[1]), min(a[2], b[2]), max(a[3], b[3])


def join(a: Box, b: Box) -> bool:
    """Whether two windows (in tiles) run as one: they overlap, or their joint box costs little more."""
    overlap = a[0] < b[1] and b[0] < a[1] and a[2] < b[3] and b[2] < a[3]
    return overlap or area(joint(a, b)) <= area(a) + area(b) + WINDOW_COST_TILES


def local_problems(problem: PhotoProblem, sigma_y: float, tile: int) -> Optional[list[tuple[PhotoProblem, int, int]]]:
    """A task that only the network's tiles around its lost pixels can change, as the restorations of
    the windows around them (`local_windows`, each with its top and left on the canvas), when they are
    less than the whole canvas; else None. Removing an object from a large photo then spends its
    per-step work (noise, projection, step) on the windows, not the whole canvas."""
    needed = network_needed(problem, sigma_y)
    windows = None if needed is None else local_windows(needed, tile)
    if windows is None:
        return None
    known = problem.degradation.known.to(torch.uint8)
    # Each window as a photo of its own: cut at the photo's edge, padded again to whole tiles the same way.
    cuts = [(slice(top, min(bottom, problem.height)), slice(left, min(right, problem.width)))
            for top, bottom, left, right in windows]
    return [(photo_problem(problem.filled[:, :, rows, columns], known[rows, columns], 1, False, tile),
             rows.start, columns.start)
            for rows, columns in cuts]


def known_eps(problem: PhotoProblem, candidates: int, alphas_cumprod: torch.Tensor) -> EpsModel:
    """The noise in x_t if x_0 were the photo as it is (its padding a copy of its edge): the prediction
    wherever the network is not needed."""
    x0 = problem.filled.repeat_interleave(candidates, dim=0)
    return lambda x, t: x0_to_eps(x, x0.to(x), float(alphas_cumprod[int(t)]))


def candidates_differ(problem: PhotoProblem, sigma_y: float, steps: int, alphas_cumprod: torch.Tensor) -> bool:
    """Whether several restorations can differ: a photo with only noise that needs a single step from its own
    noise level draws no noise at all, so every restoration would be the same (the page then runs one)."""
    single = len(restoration_timesteps(steps, alphas_cumprod, start_noise(problem, sigma_y))) == 1
    return not (problem.only_noise and sigma_y > 0 and single)


def restore_photo(tile_eps: EpsModel, problem: PhotoProblem, tile: int, sigma_y: float, steps: int, resample: int,
                  candidates: int, alphas_cumprod: torch.Tensor, generator: torch.Generator,
                  eta: float = DEFAULTS.ddnm_eta, noise_sampler: Optional[NoiseSampler] = None,
                  offsets: Optional[Offsets] = None) -> torch.Tensor:
    """`candidates` restorations [B * candidates, C, height, width] of each photo, tile by tile, as the page runs them:
    DDNM+ on the whole canvas (or the windows around its lost pixels, `local_problems`), the prior on tiles
    whose grid moves at every call; a photo that lost its colour then takes colours chosen on a coarse
    copy (`colourised`). `sigma_y` is the std of the noise in the measurement, in [-1, 1] units: the
    photo's own pixels, averaged to gray for colourisation (a black-and-white photo's channels carry the
    same noise, which averaging keeps). Noise and tile offsets come from `generator` unless given (the
    golden vectors record them)."""
    noise_sampler = noise_sampler or default_noise(generator)
    offsets = offsets or random_offsets(tile, generator)
    d = problem.degradation
    windows = local_problems(problem, sigma_y, tile)
    if only_colour_lost(problem, sigma_y) or windows is not None:
        # The photo as it is: its luminance before colouring, or all of it but the windows around its lost pixels.
        restored = problem.filled[:, :, :problem.height, :problem.width].repeat_interleave(candidates, dim=0)
        # Each window's calls take the grids the whole canvas's calls would, so the result is the whole canvas's.
        grids = replayed(offsets)
        for window, top, left in windows or []:
            restored[:, :, top:top + window.height, left:left + window.width] = diffusion_restore(
                tile_eps, window, tile, sigma_y, steps, resample, candidates, alphas_cumprod, eta, noise_sampler,
                grids())
    else:
        restored = diffusion_restore(tile_eps, problem, tile, sigma_y, steps, resample, candidates, alphas_cumprod,
                                     eta, noise_sampler, offsets)
    if d.out_channels == d.channels:
        return restored
    return colourised(tile_eps, restored, tile, steps, resample, alphas_cumprod, eta, noise_sampler, offsets)


def replayed(offsets: Offsets) -> Callable[[], Offsets]:
    """Fresh readers of one sequence of grids, drawn from `offsets` as the first reader needs them."""
    drawn: list[tuple[int, int]] = []

    def reader() -> Offsets:
        calls = itertools.count()

        def read() -> tuple[int, int]:
            call = next(calls)
            if call == len(drawn):
                drawn.append(offsets())
            return drawn[call]
        return read
    return reader


def diffusion_restore(tile_eps: EpsModel, problem: PhotoProblem, tile: int, sigma_y: float, steps: int, resample: int,
                      candidates: int, alphas_cumprod: torch.Tensor, eta: float, noise_sampler: NoiseSampler,
                      offsets: Offsets) -> torch.Tensor:
    """DDNM+ over the whole canvas from `starting_point`, the prior on moving tiles; cropped to the restored size."""
    timesteps = restoration_timesteps(steps, alphas_cumprod, start_noise(problem, sigma_y))
    x = starting_point(problem, sigma_y, timesteps, alphas_cumprod, candidates, noise_sampler)
    needed = network_needed(problem, sigma_y)
    fallback = None if needed is None else known_eps(problem, candidates, alphas_cumprod)
    # A noisy photo's projection cannot put a tile's shade right: its first pass runs two grids (tiles.py).
    eps_model = tiled_eps_model(tile_eps, tile, offsets, needed, fallback, two_grids_first=sigma_y > 0)
    sampler = ddnm_sampler(problem.degradation, problem.y.repeat_interleave(candidates, dim=0),
                           sigma_y=measurement_noise(problem, sigma_y), resample=resample)
    out = sampler(eps_model, x, timesteps, alphas_cumprod, eta=eta, noise_sampler=noise_sampler)
    return out[:, :, :problem.height, :problem.width]


# Colourisation ------------------------------------------------------------------------------------
# A 32x32 prior that colours a photo tile by tile picks colours per tile: blotches. So colours are chosen
# where the model sees the whole scene, on a copy shrunk until its shorter side is about one tile, and
# only they are enlarged (smoothly) onto the photo's own luminance, which stays exactly as it was.

def only_colour_lost(problem: PhotoProblem, sigma_y: float) -> bool:
    """A black-and-white photo with nothing else wrong: every pixel known, at full size, no noise."""
    d = problem.degradation
    return (d.out_channels != d.channels and d.factor == 1 and sigma_y == 0
            and bool(d.known[:problem.height, :problem.width].all()))


def coarse_factor(height: int, width: int, tile: int) -> int:
    """The block side that shrinks a photo's shorter side to about one tile (at least 1)."""
    return max(1, min(height, width) // tile)


def colourised(tile_eps: EpsModel, images: torch.Tensor, tile: int, steps: int, resample: int,
               alphas_cumprod: torch.Tensor, eta: float, noise_sampler: NoiseSampler, offsets: Offsets) -> torch.Tensor:
    """Each image [N, C, H, W] as its luminance (the mean of its channels) plus the colours (each
    channel's offset from that mean) of its own coarse colourisation, enlarged linearly; the N coarse
    copies are restored as one batch."""
    channels, height, width = images.shape[1:]
    factor = coarse_factor(height, width, tile)
    luminance = images.mean(dim=1, keepdim=True)
    coarse = photo_problem(shrink(luminance, factor).expand(-1, channels, -1, -1), None, 1, True, tile)
    colour = diffusion_restore(tile_eps, coarse, tile, 0.0, steps, resample, 1, alphas_cumprod, eta, noise_sampler,
                               offsets)
    return luminance + enlarge(colour - colour.mean(dim=1, keepdim=True), factor, "linear")[..., :height, :width]
