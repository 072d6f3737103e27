"""Parity of the ONNX files with PyTorch. The export writes `parity.json`: inputs with PyTorch's outputs,
which the fp32 and fp16 files must reproduce within tolerance; checked here with onnxruntime when Python
has it, and always by the TypeScript tests and the publish script with onnxruntime-node. The int8 file
is held to the fp32 file instead, on real noisy inputs per timestep band (int8.py says why and how the
error is counted).
"""
from __future__ import annotations

import os
from typing import Any, Optional

import numpy as np
import torch

from ..diffusion.defaults import GenerateDefaults
from ..diffusion.schedule import Diffusion
from ..networks.unet import UNet
from .graph import FILES, OUTPUT_NAME, ExportError
from .int8 import FILE_TOLERANCE, band_checks, denoised_error

# The export directory's file of parity checks, beside the ONNX files (graph.FILES).
PARITY_FILE = "parity.json"
# Largest |PyTorch - ONNX| allowed on the parity inputs, per variant: fp32 is exact up to reordering;
# fp16 keeps ~3 significant digits through dozens of layers.
TOLERANCE = {"fp32": 1e-4, "fp16": 5e-2}


def tensor_json(value: torch.Tensor) -> dict[str, Any]:
    dtype = "int32" if value.dtype == torch.int32 else "float32"
    return {"dtype": dtype, "shape": list(value.shape), "data": value.flatten().tolist()}


def inputs_json(x: torch.Tensor, t: torch.Tensor, labels: torch.Tensor) -> dict[str, Any]:
    return {"x": tensor_json(x), "t": tensor_json(t), "class_labels": tensor_json(labels)}


def parity_json(net: UNet, diffusion: Diffusion, sampling: GenerateDefaults, seed: int = 0) -> dict[str, Any]:
    """PARITY_FILE's content: a few inputs across timesteps and classes (null included), with PyTorch's
    outputs; and the int8 file's checks, one batch per timestep band, from sampling as `sampling` says."""
    config = net.config
    generator = torch.Generator().manual_seed(seed)
    timesteps = diffusion.config.timesteps
    t = torch.tensor([timesteps - 1, timesteps // 2, 0], dtype=torch.float32)
    labels = torch.tensor([0, config.num_classes, max(config.num_classes - 1, 0)], dtype=torch.int32)
    x = torch.randn(3, config.in_channels, config.image_size, config.image_size, generator=generator)
    with torch.no_grad():
        out = net(x, t, labels)
    checks = [{"band": band, "inputs": inputs_json(*batch)} for band, batch in band_checks(net, diffusion, sampling)]
    return {"inputs": inputs_json(x, t, labels),
            "outputs": {OUTPUT_NAME: tensor_json(out)}, "tolerance": TOLERANCE,
            "int8": {"tolerance": FILE_TOLERANCE, "checks": checks}}


def feeds_of(inputs: dict[str, Any]) -> dict[str, np.ndarray]:
    return {name: np.asarray(v["data"], dtype=v["dtype"]).reshape(v["shape"]) for name, v in inputs.items()}


def check_parity_with_onnxruntime(directory: str, parity: dict[str, Any],
                                  diffusion: Diffusion) -> Optional[dict[str, Any]]:
    """Largest absolute error of the fp32 and fp16 files on the inputs of `parity` (parity_json's), and the
    int8 file's error per band against fp32; None without onnxruntime. Raises ExportError with the figures
    when one fails."""
    try:
        import onnxruntime as ort  # pyright: ignore[reportMissingImports]  # optional, and not among Debian's packages
    except ImportError:
        return None

    def session(variant: str) -> Any:
        return ort.InferenceSession(os.path.join(directory, FILES[variant]), providers=["CPUExecutionProvider"])

    expected = np.asarray(parity["outputs"][OUTPUT_NAME]["data"], dtype=np.float32)
    errors: dict[str, Any] = {}
    sessions = {variant: session(variant) for variant in TOLERANCE}  # fp32's serves the int8 check too
    for variant in TOLERANCE:
        actual = np.asarray(sessions[variant].run([OUTPUT_NAME], feeds_of(parity["inputs"]))[0]).reshape(-1)
        errors[variant] = float(np.abs(actual - expected).max())
        if errors[variant] > TOLERANCE[variant]:
            raise ExportError(f"{FILES[variant]} differs from PyTorch by {errors[variant]:.3g} "
                              f"(> {TOLERANCE[variant]})")
    if not os.path.exists(os.path.join(directory, FILES["int8"])):
        return errors
    fp32, int8 = sessions["fp32"], session("int8")
    bands: dict[str, float] = {}
    for check in parity["int8"]["checks"]:
        feeds = feeds_of(check["inputs"])
        a = float(diffusion.alphas_cumprod[int(round(float(feeds["t"][0])))])
        error = denoised_error(fp32.run([OUTPUT_NAME], feeds)[0], int8.run([OUTPUT_NAME], feeds)[0], a)
        bands[check["band"]] = max(bands.get(check["band"], 0.0), error)
    tolerance = parity["int8"]["tolerance"]
    if any(error > tolerance[band] for band, error in bands.items()):
        figures = "; ".join(f"{band}: {e:.2f} levels (tolerance {tolerance[band]})" for band, e in bands.items())
        raise ExportError(f"{FILES['int8']} is refused: its error in the denoised image exceeds tolerance: {figures}")
    errors["int8"] = bands
    return errors
