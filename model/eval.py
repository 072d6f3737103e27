"""Evaluate a model version: `python -m model.eval CKPT --data <CIFAR-10 dir> --out eval/metrics.json`.

Reports, with sample counts and seeds:
- generation: the Frechet distance, in the feature space of the project's CIFAR-10 classifier
  (model/classifier.py), between class-conditional samples and the training set, beside the same
  distance for as many real held-out test images (the floor: what a perfect model would score at
  that count), and the classifier's accuracy on the samples beside its accuracy on real test images;
- the same two numbers as a function of sampling steps, for each sampler the page offers;
- restoration of held-out test images as the page does it (model/restore.py: DDNM+ with RePaint
  resampling, the unconditional prior): PSNR and SSIM for denoising, inpainting, x4
  super-resolution and colourisation, for one restoration and for the mean of several candidates
  (the page's "average" setting), each beside classical baselines (model/baselines.py), and the
  classifier's accuracy on the original, damaged, baseline and restored images.
The metrics go to --out as JSON (for `python -m model.export CKPT --metrics FILE`), with sample
grids and restoration grids as PNG files beside it.
"""
from __future__ import annotations

import argparse
import functools
import json
import os
import sys
import time
from dataclasses import dataclass
from typing import Any, Callable, Optional

import numpy as np
import torch
import torch.nn.functional as F

from . import checkpoint
from . import classifier as clf
from .baselines import best_of, bicubic, nl_means, telea, total_variation
from .data import DatasetError, load_dataset
from .diffusion import (DEFAULT_GUIDANCE, DEFAULT_GUIDANCE_INTERVAL, DEFAULT_STEPS, SAMPLERS, Diffusion,
                        default_noise, generate, guidance_interval)
from .eval_photos import (add_photo_arguments, check_photo_arguments, evaluate_photos, load_photos, photo_settings,
                          unconditional_tile_eps)
from .eval_photos import format_table as format_photos_table
from .images import save_grid
from .metrics import NOT_FID, frechet_distance_stats, gaussian_stats, psnr, ssim, to_unit_hwc
from .restore import DDNM_ETA, Degradation, damage, mean_of_candidates, photo_problem, restore_photo
from .threads import use_cpu_threads
from .unet import UNet

Baseline = Callable[[np.ndarray, np.ndarray, torch.Tensor], tuple[np.ndarray, dict[str, Any]]]


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


@dataclass
class Judge:
    """The classifier, with the Gaussian fitted to its features of the training set."""
    net: clf.Classifier
    reference: tuple[np.ndarray, np.ndarray]

    def frechet(self, images: torch.Tensor) -> float:
        return frechet_distance_stats(*gaussian_stats(clf.features(self.net, images)), *self.reference)

    def accuracy(self, images: torch.Tensor, labels: torch.Tensor) -> float:
        return clf.accuracy(self.net, images, labels)


# Generation --------------------------------------------------------------------------------------

def balanced_labels(count: int, num_classes: int) -> torch.Tensor:
    """0, 1, ..., K-1, 0, 1, ...: every class equally often (the null class if unconditional)."""
    return torch.arange(count) % num_classes if num_classes > 0 else torch.zeros(count, dtype=torch.long)


def grid_order(labels: torch.Tensor, num_classes: int, per_class: int = 10) -> torch.Tensor:
    """Indices of up to `per_class` samples of each class in turn: one grid row per class."""
    if num_classes == 0:
        return torch.arange(min(len(labels), per_class * per_class))
    return torch.cat([torch.nonzero(labels == k)[:per_class, 0] for k in range(num_classes)])


def generate_batched(net: UNet, diffusion: Diffusion, labels: torch.Tensor, sampler: str, steps: int,
                     guidance: float, interval: Optional[tuple[float, float]], seed: int, batch: int) -> torch.Tensor:
    """`generate` in batches (batch k is seeded with seed + k), so memory stays flat for any count."""
    return torch.cat([generate(net, diffusion, labels[i:i + batch], steps, sampler, guidance, seed + k,
                               guidance_interval=interval)
                      for k, i in enumerate(range(0, len(labels), batch))])


def sample_quality(judge: Judge, images: torch.Tensor, labels: torch.Tensor, conditional: bool) -> dict[str, Any]:
    return {"samples": len(images), "frechet_distance": judge.frechet(images),
            "class_accuracy": judge.accuracy(images, labels) if conditional else None}


# Restoration -------------------------------------------------------------------------------------

@dataclass
class Task:
    """One restoration problem: what the page's operator measures, the pixel noise, and the classical rivals."""
    name: str
    degradation: Degradation
    sigma: float  # std of the pixel noise, in the model's [-1, 1] units
    baselines: dict[str, Baseline]


def lost_pixels(degradation: Degradation) -> np.ndarray:
    """[H, W] true where A measures nothing."""
    ones = torch.ones(1, degradation.out_channels, degradation.out_height, degradation.out_width)
    return (degradation.pinv(ones)[0, 0] == 0).numpy()


def restoration_tasks(size: int, channels: int, seed: int) -> list[Task]:
    """The issue's tasks: denoising at sigma 25/255 and 50/255, a centre box, 50% missing pixels, x4, colour."""
    tasks = []
    for level in (25, 50):
        sigma01 = level / 255
        tasks.append(Task(f"denoise_{level}", Degradation(size, channels), 2 * sigma01, {
            "nl_means": lambda d, c, y, s=sigma01: best_of(functools.partial(nl_means, sigma=s), d, c,
                                                           {"h": [0.4, 0.6, 0.8, 1.0, 1.2]}),
            "tv": lambda d, c, y, s=sigma01: best_of(total_variation, d, c, {"weight": [s / 4, s / 2, s, 2 * s]})}))
    box = torch.ones(size, size, dtype=torch.uint8)
    box[size // 4:size - size // 4, size // 4:size - size // 4] = 0
    scattered = (torch.rand(size, size, generator=torch.Generator().manual_seed(seed)) < 0.5).to(torch.uint8)
    for name, mask in (("inpaint_box", box), ("inpaint_50pct", scattered)):
        degradation = Degradation(size, channels, mask=mask)
        tasks.append(Task(name, degradation, 0.0,
                          {"telea": lambda d, c, y, lost=lost_pixels(degradation): (telea(d, lost), {})}))
    tasks.append(Task("super_resolution_x4", Degradation(size, channels, downsample=4), 0.0,
                      {"bicubic": lambda d, c, y: (bicubic(to_unit_hwc(y), 4), {})}))
    if channels > 1:
        tasks.append(Task("colourise", Degradation(size, channels, grayscale=True), 0.0,
                          {"gray": lambda d, c, y: (d, {})}))
    return tasks


def restore_batched(net: UNet, diffusion: Diffusion, task: Task, damaged: torch.Tensor, steps: int,
                    resample: int, candidates: int, seed: int, batch: int) -> torch.Tensor:
    """As the page's demo restores a damaged image (model/restore.py, restore_photo): the image as the
    visitor has it (average-pooled to the measured size; its independent noise shrunk by the pooling
    and the averaging to gray) and its
    known pixels, with the unconditional prior; `candidates` restorations of each image, consecutive
    in the result ([len(damaged) * candidates, ...])."""
    d = task.degradation
    photos = F.avg_pool2d(damaged, d.factor)
    tile_eps = unconditional_tile_eps(net, diffusion)
    out = []
    for k, i in enumerate(range(0, len(photos), batch)):
        problem = photo_problem(photos[i:i + batch], d.known.to(torch.uint8), d.factor, d.out_channels == 1,
                                net.config.image_size)
        out.append(restore_photo(tile_eps, problem, net.config.image_size, task.sigma * d.noise_gain, steps, resample,
                                 candidates, diffusion.alphas_cumprod, torch.Generator().manual_seed(seed + k)))
    return torch.cat(out).clamp(-1, 1)


def score(restored01: np.ndarray, clean01: np.ndarray) -> dict[str, float]:
    return {"psnr": float(psnr(restored01, clean01).mean()), "ssim": float(ssim(restored01, clean01).mean())}


@dataclass
class HeldOut:
    """The test images every task damages, in both layouts, and the classifier's accuracy on them."""
    images: torch.Tensor  # [B, C, H, W] in [-1, 1]
    labels: torch.Tensor
    images01: np.ndarray  # [B, H, W, C] in [0, 1], as the metrics and baselines take them
    accuracy: float


def evaluate_task(net: UNet, diffusion: Diffusion, judge: Judge, task: Task, held: HeldOut,
                  args: argparse.Namespace, out_dir: str) -> dict[str, Any]:
    """Scores one restoration (the first candidate, as the page's default gives) and the mean of all candidates."""
    clean, labels, clean01 = held.images, held.labels, held.images01
    damaged = damage(clean, task.degradation, task.sigma, default_noise(torch.Generator().manual_seed(args.seed)))
    y = task.degradation.apply(damaged)
    began = time.time()
    candidates = restore_batched(net, diffusion, task, damaged, args.restore_steps, args.resample, args.candidates,
                                 args.seed, args.batch)
    restored = candidates[::args.candidates]
    averaged = mean_of_candidates(candidates, args.candidates)
    damaged01 = to_unit_hwc(damaged)
    result: dict[str, Any] = {"noise_std_01": task.sigma / 2, "restored": score(to_unit_hwc(restored), clean01),
                              "mean_of_candidates": score(to_unit_hwc(averaged), clean01),
                              "damaged": score(damaged01, clean01), "baselines": {},
                              "wall_seconds": round(time.time() - began, 1)}
    accuracy = {"original": held.accuracy, "damaged": judge.accuracy(damaged.clamp(-1, 1), labels),
                "restored": judge.accuracy(restored, labels), "mean_of_candidates": judge.accuracy(averaged, labels)}
    grid_rows = [clean, damaged]
    for name, baseline in task.baselines.items():
        out01, params = baseline(damaged01, clean01, y)
        out = torch.from_numpy(out01).permute(0, 3, 1, 2).float() * 2 - 1
        result["baselines"][name] = {**score(out01, clean01), "params": params}
        accuracy[name] = judge.accuracy(out, labels)
        grid_rows.append(out)
    result["class_accuracy"] = accuracy
    columns = min(8, len(clean))
    save_grid(torch.cat([row[:columns].float() for row in grid_rows + [restored, averaged]]),
              os.path.join(out_dir, f"restore-{task.name}.png"), columns=columns)
    return result


# The command -------------------------------------------------------------------------------------

def parse_list(text: str, kind: type) -> list:
    try:
        values = [kind(v) for v in text.split(",") if v.strip()]
    except ValueError as e:
        raise argparse.ArgumentTypeError(f"expected a comma-separated list: {e}") from e
    if not values:
        raise argparse.ArgumentTypeError("expected at least one value")
    return values


def subset(n: int, total: int, seed: int) -> torch.Tensor:
    """`n` distinct indices of `total`, drawn with `seed` (all of them when n is 0 or too large)."""
    order = torch.randperm(total, generator=torch.Generator().manual_seed(seed))
    return order if n <= 0 else order[:n]


def evaluate(args: argparse.Namespace) -> dict[str, Any]:
    state = checkpoint.load(args.checkpoint)
    net, diffusion = checkpoint.ema_network(state)
    judge_net, judge_facts = clf.load(args.classifier)
    config = net.config
    model_classes, judge_classes = state.get("class_names") or [], judge_facts.get("class_names") or []
    if model_classes and model_classes != judge_classes:
        raise ValueError(f"the model's classes {model_classes} are not the classifier's {judge_classes}: "
                         "class accuracy would be meaningless")
    train = load_dataset(args.data, config.image_size, config.in_channels, "train")
    test = load_dataset(args.data, config.image_size, config.in_channels, "test")
    log(f"{len(train)} training and {len(test)} test images; fitting the reference Gaussian")
    reference_images = clf.to_float(train.images[subset(args.reference, len(train), args.seed)])
    judge = Judge(judge_net, gaussian_stats(clf.features(judge_net, reference_images)))
    test_images = clf.to_float(test.images)
    conditional = config.num_classes > 0

    def floor(count: int) -> dict[str, Any]:
        index = subset(count, len(test), args.seed)
        return sample_quality(judge, test_images[index], test.labels[index], conditional)

    interval = args.guidance_interval
    interval_field = list(interval) if interval else None  # as the JSON records it
    log(f"generation: {args.samples} samples, {args.sampler} {args.sample_steps} steps, guidance {args.guidance} "
        f"in sigma interval {interval}")
    labels = balanced_labels(args.samples, config.num_classes)
    samples = generate_batched(net, diffusion, labels, args.sampler, args.sample_steps, args.guidance, interval,
                               args.seed, args.batch)
    save_grid(samples[grid_order(labels, config.num_classes)], os.path.join(args.out_dir, "samples.png"), columns=10)
    generation = {"sampler": args.sampler, "steps": args.sample_steps, "guidance": args.guidance,
                  "guidance_interval": interval_field, "seed": args.seed,
                  **sample_quality(judge, samples, labels, conditional), "real_test": floor(args.samples),
                  "real_test_all": {"images": len(test), "class_accuracy": judge.accuracy(test_images, test.labels)}}

    sweep_labels = balanced_labels(args.sweep_samples, config.num_classes)

    def sweep_run(sampler: str, steps: int, guidance: float) -> dict[str, Any]:
        log(f"sweep: {sampler} {steps} steps, guidance {guidance}, {args.sweep_samples} samples")
        images = generate_batched(net, diffusion, sweep_labels, sampler, steps, guidance, interval, args.seed,
                                  args.batch)
        return {"sampler": sampler, "steps": steps, "guidance": guidance,
                "guidance_interval": interval_field, "seed": args.seed,
                **sample_quality(judge, images, sweep_labels, conditional)}

    sweep = [sweep_run(sampler, steps, args.guidance) for sampler in args.samplers for steps in args.steps]
    # Guidance trades diversity for fidelity to the class: the sweep is what the page's default rests on.
    guidance_sweep = [sweep_run(args.sampler, args.sample_steps, g) for g in args.guidances] if conditional else []
    sweep_floor = floor(args.sweep_samples)

    index = subset(args.restore_images, len(test), args.seed + 1)
    clean, clean_labels = test_images[index], test.labels[index]
    held = HeldOut(clean, clean_labels, to_unit_hwc(clean), judge.accuracy(clean, clean_labels))
    restoration: dict[str, Any] = {"images": len(clean), "steps": args.restore_steps, "resample": args.resample,
                                   "candidates": args.candidates, "eta": DDNM_ETA, "seed": args.seed,
                                   "prior": "unconditional (null class)", "tasks": {}}
    for task in restoration_tasks(config.image_size, config.in_channels, args.seed):
        log(f"restoration: {task.name} on {len(clean)} test images")
        restoration["tasks"][task.name] = evaluate_task(net, diffusion, judge, task, held, args, args.out_dir)

    metrics = {"note": NOT_FID, "checkpoint": {k: state.get(k) for k in ("step", "images_seen", "preset")},
               "classifier": {"path": args.classifier,
                              **{k: judge_facts.get(k) for k in ("test_accuracy", "parameters")}},
               "reference": {"split": "train", "images": len(reference_images), "seed": args.seed},
               "generation": generation, "steps_sweep": {"runs": sweep, "real_test": sweep_floor},
               "guidance_sweep": {"runs": guidance_sweep, "real_test": sweep_floor},
               "restoration": restoration}
    if args.photos_sizes:  # real photos at their own size, tile by tile (model/eval_photos.py)
        metrics["photos"] = evaluate_photos(net, diffusion, load_photos(args.photos_sizes, args.photo_names),
                                            photo_settings(args), args.out_dir)
    return metrics


def interval_text(run: dict[str, Any]) -> str:
    interval = run.get("guidance_interval")
    return f" in sigma ({interval[0]:g}, {interval[1]:g}]" if interval else ""


def format_table(metrics: dict[str, Any]) -> str:
    """The metrics as Markdown tables, for the terminal and the README."""
    def pct(v: Optional[float]) -> str:
        return "n/a" if v is None else f"{100 * v:.1f}%"

    g = metrics["generation"]
    lines = [f"{metrics['note']}.", "",
             "| generation | samples | Frechet distance | class accuracy |", "| --- | --- | --- | --- |",
             f"| {g['sampler']}, {g['steps']} steps, guidance {g['guidance']}{interval_text(g)} | {g['samples']} | "
             f"{g['frechet_distance']:.2f} | {pct(g['class_accuracy'])} |",
             f"| real test images (floor) | {g['real_test']['samples']} | {g['real_test']['frechet_distance']:.2f} | "
             f"{pct(g['real_test']['class_accuracy'])} |",
             f"| all real test images | {g['real_test_all']['images']} | | "
             f"{pct(g['real_test_all']['class_accuracy'])} |",
             "", "| sampler | steps | samples | Frechet distance | class accuracy |", "| --- | --- | --- | --- | --- |"]
    sweep = metrics["steps_sweep"]
    lines += [f"| {r['sampler']} | {r['steps']} | {r['samples']} | {r['frechet_distance']:.2f} | "
              f"{pct(r['class_accuracy'])} |" for r in sweep["runs"]]
    lines += [f"| real test images (floor) | | {sweep['real_test']['samples']} | "
              f"{sweep['real_test']['frechet_distance']:.2f} | {pct(sweep['real_test']['class_accuracy'])} |"]
    guided = metrics["guidance_sweep"]["runs"]
    if guided:
        lines += ["", f"| guidance ({guided[0]['sampler']}, {guided[0]['steps']} steps) | samples | Frechet distance | "
                  "class accuracy |", "| --- | --- | --- | --- |"]
        lines += [f"| {r['guidance']:g} | {r['samples']} | {r['frechet_distance']:.2f} | {pct(r['class_accuracy'])} |"
                  for r in guided]
    r = metrics["restoration"]
    lines += ["", f"Restoration of {r['images']} test images ({r['steps']} steps, resample {r['resample']}): "
              "PSNR (dB) / SSIM, and class accuracy", "",
              f"| task | damaged | baselines | diffusion | mean of {r['candidates']} | "
              "accuracy: original / damaged / baselines / restored / mean |", "| --- | --- | --- | --- | --- | --- |"]

    def cell(score: dict[str, float]) -> str:
        return f"{score['psnr']:.2f} / {score['ssim']:.3f}"

    for name, t in r["tasks"].items():
        baselines = ", ".join(f"{b} {cell(v)}" for b, v in t["baselines"].items())
        accuracy = " / ".join(pct(t["class_accuracy"][k]) for k in
                              ("original", "damaged", *t["baselines"], "restored", "mean_of_candidates"))
        lines.append(f"| {name} | {cell(t['damaged'])} | {baselines} | {cell(t['restored'])} | "
                     f"{cell(t['mean_of_candidates'])} | {accuracy} |")
    return "\n".join(lines)


def main(argv: Optional[list[str]] = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m model.eval", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("checkpoint", help="checkpoint.pt or ema.pt")
    parser.add_argument("--data", required=True, help="CIFAR-10 directory (the classifier's dataset)")
    parser.add_argument("--out", required=True, help="metrics JSON to write; PNG grids go beside it")
    parser.add_argument("--classifier", default=os.path.join(os.path.dirname(__file__), "weights", "classifier.pt"))
    parser.add_argument("--samples", type=int, default=1000, help="conditional samples for the main numbers")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--sampler", choices=sorted(SAMPLERS), default="dpmpp_2m", help="the page's default")
    parser.add_argument("--sample-steps", type=int, default=DEFAULT_STEPS, help="the page's default")
    parser.add_argument("--guidance", type=float, default=DEFAULT_GUIDANCE, help="the page's default")
    parser.add_argument("--guidance-interval", type=guidance_interval, default=DEFAULT_GUIDANCE_INTERVAL,
                        help="LO,HI: guide only where LO < sigma <= HI, or none (every step); the page's default")
    parser.add_argument("--steps", type=functools.partial(parse_list, kind=int), default=[10, 20, 50],
                        help="step counts of the sweep")
    parser.add_argument("--samplers", type=functools.partial(parse_list, kind=str), default=sorted(SAMPLERS),
                        help="samplers of the sweep")
    parser.add_argument("--guidances", type=functools.partial(parse_list, kind=float), default=[1.0, 2.0, 3.0, 4.0],
                        help="guidance scales of the guidance sweep (the main sampler and steps)")
    parser.add_argument("--sweep-samples", type=int, default=250, help="samples per run of the sweeps")
    parser.add_argument("--reference", type=int, default=0, help="training images for the reference (0: all)")
    parser.add_argument("--restore-images", type=int, default=100)
    parser.add_argument("--restore-steps", type=int, default=50, help="the page's default")
    parser.add_argument("--resample", type=int, default=2, help="the page's default")
    parser.add_argument("--candidates", type=int, default=4, help="restorations per image, also scored as their mean")
    parser.add_argument("--batch", type=int, default=100)
    add_photo_arguments(parser, None)
    args = parser.parse_args(argv)
    unknown = [s for s in args.samplers if s not in SAMPLERS]
    if unknown:
        parser.error(f"unknown samplers {unknown}: use some of {sorted(SAMPLERS)}")
    for flag in ("samples", "sweep_samples", "restore_images"):
        if getattr(args, flag) < 2:
            parser.error(f"--{flag.replace('_', '-')} must be at least 2 (a Frechet distance needs a covariance)")
    if args.batch < 1 or args.candidates < 1 or args.reference == 1:
        parser.error("--batch and --candidates must be positive and --reference 0 (all) or at least 2")
    check_photo_arguments(parser, args)
    args.out_dir = os.path.dirname(os.path.abspath(args.out))
    os.makedirs(args.out_dir, exist_ok=True)
    use_cpu_threads()
    began = time.time()
    try:
        metrics = evaluate(args)
    except (checkpoint.CheckpointError, DatasetError, ValueError) as e:
        sys.exit(f"error: {e}")
    metrics["wall_seconds"] = round(time.time() - began)
    with open(args.out, "w") as f:
        json.dump(metrics, f, indent=2)
    print(format_table(metrics))
    if "photos" in metrics:
        print("\n" + format_photos_table(metrics["photos"]))
    print(f"\nwrote {args.out} and its PNG grids in {metrics['wall_seconds']} s")


if __name__ == "__main__":
    main()
