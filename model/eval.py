"""Evaluate a model version: `python -m model.eval CKPT --data <CIFAR-10 dir> --out eval/metrics.json`.

Reports, with sample counts and seeds:
- generation: the Frechet distance, in the feature space of the project's CIFAR-10 classifier
  (model/networks/resnet9.py), between class-conditional samples and the training set, beside the same
  distance for as many real held-out test images (the floor: what a perfect model would score at
  that count), and the classifier's accuracy on the samples beside its accuracy on real test images;
- the same two numbers as a function of sampling steps, for each sampler the page offers;
- restoration of held-out test images as the page does it (model/diffusion/restore.py: DDNM+ with RePaint
  resampling, the unconditional prior): PSNR and SSIM for denoising, inpainting, x4
  super-resolution and colourisation, for one restoration and for the mean of several candidates
  (the page's "average" setting), each beside classical baselines (model/evaluation/baselines.py), and the
  classifier's accuracy on the original, damaged, baseline and restored images.
The metrics go to --out as JSON (for `python -m model.export CKPT --metrics FILE`), with sample
grids and restoration grids as PNG files beside it.
"""
from __future__ import annotations

import argparse
import dataclasses
import functools
import os
from typing import Any, Optional

from .diffusion.defaults import DEFAULTS, GenerateDefaults, RestoreDefaults, SamplingDefaults
from .diffusion.generate import add_generate_flags
from .diffusion.samplers import SAMPLERS
from .evaluation.generation import GenerationSettings, evaluate_generation
from .evaluation.int8 import evaluate_int8
from .evaluation.judge import Judge, check_classes
from .evaluation.photos import (add_photo_arguments, check_photo_arguments, evaluate_photos, load_photos,
                                photo_settings)
from .evaluation.report import format_photos_table, format_table, log, measure_to_json, metrics_json
from .evaluation.restoration import RestorationSettings, evaluate_restoration
from .networks.resnet9 import to_float
from .training import checkpoint
from .training.classifier_trainer import load as load_classifier
from .training.data import DatasetError, load_dataset, subset
from .training.distill import student_of


def parse_list(text: str, kind: type) -> list:
    try:
        values = [kind(v) for v in text.split(",") if v.strip()]
    except ValueError as e:
        raise argparse.ArgumentTypeError(f"expected a comma-separated list: {e}") from e
    if not values:
        raise argparse.ArgumentTypeError("expected at least one value")
    return values


def evaluate(args: argparse.Namespace, out_dir: str) -> dict[str, Any]:
    """The metrics of the checkpoint, as the flags ask; the pictures go into out_dir."""
    state = checkpoint.load(args.checkpoint)
    net, diffusion = checkpoint.ema_network(state)
    judge_net, judge_facts = load_classifier(args.classifier)
    check_classes(state.get("class_names") or [], judge_facts.get("class_names") or [])
    config = net.config
    train = load_dataset(args.data, config.image_size, config.in_channels, "train")
    test = load_dataset(args.data, config.image_size, config.in_channels, "test")
    log(f"{len(train)} training and {len(test)} test images; fitting the reference Gaussian")
    reference_images = to_float(train.images[subset(args.reference, len(train), args.seed)])
    judge = Judge.fitted(judge_net, reference_images)
    test_images = to_float(test.images)
    sampling = GenerateDefaults(args.sampler, args.sample_steps, args.guidance, args.guidance_interval)
    student = student_of(state, diffusion)
    if student is not None:  # measured as it was trained to sample
        log(f"a distilled student: {student.sampler} at its timesteps {student.timesteps}, guidance built in "
            "(--sampler, --sample-steps, --guidance and --guidance-interval do not apply)")
        sampling = student
    settings = GenerationSettings(
        samples=args.samples, sampler=sampling.sampler, steps=sampling.steps, guidance=sampling.guidance,
        interval=sampling.guidance_interval, sweep_samples=args.sweep_samples, sweep_samplers=args.samplers,
        sweep_steps=args.steps, guidances=args.guidances, seed=args.seed, batch=args.batch,
        timesteps=sampling.timesteps)
    generation = evaluate_generation(net, diffusion, judge, test_images, test.labels, settings, out_dir)
    restoration = evaluate_restoration(net, diffusion, judge, test_images, test.labels, RestorationSettings(
        images=args.restore_images, steps=args.restore_steps, resample=args.resample, candidates=args.candidates,
        seed=args.seed, batch=args.batch), out_dir) if args.restore_images else None
    metrics = metrics_json(state, args.classifier, judge_facts, len(reference_images), args.seed, generation,
                           restoration)
    # The settings measured here: model.export makes them the manifest's defaults, where the page starts.
    metrics["defaults"] = SamplingDefaults(
        generate=sampling, restore=RestoreDefaults(args.restore_steps, args.resample),
        restore_photo=RestoreDefaults(args.photo_steps, args.photo_resample),
        enlarge_photo=RestoreDefaults(args.enlarge_steps, args.enlarge_resample), ddnm_eta=DEFAULTS.ddnm_eta).to_json()
    photos = load_photos(args.photos_sizes, args.photo_names) if args.photos_sizes else []

    def measure_photos(pictures: str) -> dict[str, Any]:
        return evaluate_photos(net, diffusion, photos, photo_settings(args), pictures)

    if photos:  # real photos at their own size, tile by tile (model/evaluation/photos.py)
        metrics["photos"] = measure_photos(out_dir)
    if args.int8:  # the main samples and the photos again, in int8, pictures in out_dir/int8
        int8_dir = os.path.join(out_dir, "int8")
        os.makedirs(int8_dir, exist_ok=True)
        main_only = dataclasses.replace(settings, sweep_samplers=[], sweep_steps=[], guidances=[])
        metrics["int8"] = evaluate_int8(
            net, diffusion, student or DEFAULTS.generate, generation["generation"], metrics.get("photos"),
            lambda: evaluate_generation(net, diffusion, judge, test_images, test.labels, main_only,
                                        int8_dir)["generation"],
            lambda: measure_photos(int8_dir))
    return metrics


def main(argv: Optional[list[str]] = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m model.eval", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("checkpoint", help="checkpoint.pt or ema.pt")
    parser.add_argument("--data", required=True, help="CIFAR-10 directory (the classifier's dataset)")
    parser.add_argument("--out", required=True, help="metrics JSON to write; PNG grids go beside it")
    parser.add_argument("--classifier", default=os.path.join(os.path.dirname(__file__), "weights", "classifier.pt"))
    parser.add_argument("--samples", type=int, default=1000, help="conditional samples for the main numbers")
    parser.add_argument("--seed", type=int, default=0)
    add_generate_flags(parser, "--sample-steps")
    parser.add_argument("--steps", type=functools.partial(parse_list, kind=int), default=[10, 20, 50],
                        help="step counts of the sweep")
    parser.add_argument("--samplers", type=functools.partial(parse_list, kind=str), default=sorted(SAMPLERS),
                        help="samplers of the sweep")
    parser.add_argument("--guidances", type=functools.partial(parse_list, kind=float), default=[1.0, 2.0, 3.0, 4.0],
                        help="guidance scales of the guidance sweep (the main sampler and steps)")
    parser.add_argument("--sweep-samples", type=int, default=250, help="samples per run of the sweeps")
    parser.add_argument("--reference", type=int, default=0, help="training images for the reference (0: all)")
    parser.add_argument("--restore-images", type=int, default=100,
                        help="0: no restoration (a distilled student's page restores with its teacher)")
    parser.add_argument("--restore-steps", type=int, default=DEFAULTS.restore.steps,
                        help="the manifest's default")
    parser.add_argument("--resample", type=int, default=DEFAULTS.restore.resample, help="the manifest's default")
    parser.add_argument("--candidates", type=int, default=4, help="restorations per image, also scored as their mean")
    parser.add_argument("--batch", type=int, default=100)
    add_photo_arguments(parser, None)
    parser.add_argument("--int8", action="store_true",
                        help="also measure the int8 file the export will write (the page's WASM weights)")
    args = parser.parse_args(argv)
    unknown = [s for s in args.samplers if s not in SAMPLERS]
    if unknown:
        parser.error(f"unknown samplers {unknown}: use some of {sorted(SAMPLERS)}")
    for flag in ("samples", "sweep_samples"):
        if getattr(args, flag) < 2:
            parser.error(f"--{flag.replace('_', '-')} must be at least 2 (a Frechet distance needs a covariance)")
    if args.restore_images < 2 and args.restore_images != 0:
        parser.error("--restore-images must be 0 (no restoration) or at least 2 (a Frechet distance needs a "
                     "covariance)")
    if args.batch < 1 or args.candidates < 1 or args.reference == 1:
        parser.error("--batch and --candidates must be positive and --reference 0 (all) or at least 2")
    check_photo_arguments(parser, args)
    metrics = measure_to_json(args.out, lambda out_dir: evaluate(args, out_dir),
                              (checkpoint.CheckpointError, DatasetError, ValueError))
    print(format_table(metrics))
    if "photos" in metrics:
        print("\n" + format_photos_table(metrics["photos"]))
    print(f"\nwrote {args.out} and its PNG grids in {metrics['wall_seconds']} s")


if __name__ == "__main__":
    main()
