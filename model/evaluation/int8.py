"""The int8 file measured as the page would run it: the same samples and photos as fp32, under
`simulated_int8` (model/onnx_export/int8.py), whose arithmetic the export's parity check holds the file to.
The page uses the file on WASM only where these figures hold (worker/contract/manifest.ts)."""
from __future__ import annotations

from typing import Any, Callable, Optional

from ..diffusion.defaults import GenerateDefaults
from ..diffusion.schedule import Diffusion
from ..networks.unet import UNet
from ..onnx_export.int8 import plan_int8, simulated_int8
from .report import log


def mean_restored_psnr(photos: dict[str, Any]) -> float:
    runs = photos["runs"]
    return sum(run["restored"]["psnr"] for run in runs) / len(runs)


def evaluate_int8(net: UNet, diffusion: Diffusion, own_sampling: GenerateDefaults, generation: dict[str, Any],
                  photos: Optional[dict[str, Any]],
                  measure_generation: Callable[[], dict[str, Any]],
                  measure_photos: Callable[[], dict[str, Any]]) -> dict[str, Any]:
    """The metrics' "int8": the plan the export makes, and its generation (and photo) scores beside fp32's,
    `generation` and `photos`, which the two callbacks measure again under the plan. The plan is the export's:
    calibrated on `own_sampling`, the library's defaults or a student's own timesteps."""
    result = plan_int8(net, diffusion, own_sampling)
    log(f"int8: {len(result.plan)} convolutions in int8, kept in fp32: {result.kept_fp32}")
    with simulated_int8(net, result.plan):
        quantized = measure_generation()
        quantized_photos = measure_photos() if photos is not None else None
    facts = {"kept_fp32": result.kept_fp32, "simulated_error_levels": result.errors,
             "samples": generation["samples"], "frechet_distance": quantized["frechet_distance"],
             "fp32_frechet_distance": generation["frechet_distance"],
             "class_accuracy": quantized["class_accuracy"], "fp32_class_accuracy": generation["class_accuracy"]}
    if photos is not None and quantized_photos is not None:
        facts.update(photo_psnr_db=mean_restored_psnr(quantized_photos), fp32_photo_psnr_db=mean_restored_psnr(photos),
                     photo_runs=len(photos["runs"]))
    return facts
