"""Restoration of real photos at their own size, as the page does it: `python -m model.eval_photos CKPT --out F`.

Photos that are not CIFAR-10 (scikit-image's astronaut, coffee and rocket, centre-cropped and
area-resized to squares of each --photos-sizes, a game character drawn with flat colours and hard
outlines, and chelsea at its own aspect ratio; or every image in `--photos DIR`) are damaged on
purpose, then restored tile by tile with the unconditional prior (model/diffusion/restore.py:
photo_problem and restore_photo, the page's route). Each task scores, with PSNR and SSIM against the original,
the damaged photo, classical baselines (model/evaluation/baselines.py), one restoration and the mean of the
candidates, and times the diffusion restoration on this machine. The damaged photo is what a
visitor would upload: 8-bit, so noise is clipped at black and white. `model.eval` runs the same
section with the same flags and stores it under "photos" in its metrics JSON.

Beside the JSON, `photos-<task>.png` shows one row per photo: original | damaged | best baseline |
one restoration | mean of the candidates, at the photos' own size.
"""
from __future__ import annotations

import argparse
from typing import Any, Optional

from .evaluation.photos import (add_photo_arguments, check_photo_arguments, evaluate_photos, folder_photos,
                                load_photos, photo_settings, photo_tasks)
from .evaluation.report import format_photos_table, measure_to_json
from .training import checkpoint


def main(argv: Optional[list[str]] = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m model.eval_photos", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("checkpoint", help="checkpoint.pt or ema.pt")
    parser.add_argument("--out", required=True, help="JSON to write; PNG pictures go beside it")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--tasks", type=lambda s: [v for v in s.split(",") if v], default=None,
                        help=f"only these tasks, of {[t.name for t in photo_tasks()]}")
    parser.add_argument("--photos", metavar="DIR", help="evaluate every image in this folder instead (each shrunk "
                        "until its longer side is at most the largest --photos-sizes, cropped to multiples of 4)")
    add_photo_arguments(parser, [128])
    args = parser.parse_args(argv)
    unknown = set(args.tasks or []) - {t.name for t in photo_tasks()}
    if unknown:
        parser.error(f"unknown tasks {sorted(unknown)}")
    check_photo_arguments(parser, args)

    def measure(out_dir: str) -> dict[str, Any]:
        net, diffusion = checkpoint.ema_network(checkpoint.load(args.checkpoint))
        chosen = (folder_photos(args.photos, max(args.photos_sizes)) if args.photos
                  else load_photos(args.photos_sizes, args.photo_names))
        return evaluate_photos(net, diffusion, chosen, photo_settings(args), out_dir, args.tasks)

    photos = measure_to_json(args.out, measure, (checkpoint.CheckpointError, ValueError, OSError))
    print(format_photos_table(photos))
    print(f"\nwrote {args.out} and its pictures in {photos['wall_seconds']} s")


if __name__ == "__main__":
    main()
