"""Golden pairs, inputs with PyTorch's outputs, and parity of the ONNX files with them: checked here with
onnxruntime when Python has it, and always by the TypeScript tests and the publish script with
onnxruntime-node.
"""
from __future__ import annotations

import os
from typing import Any, Optional

import numpy as np
import torch

from ..diffusion.schedule import Diffusion
from ..networks.unet import UNet
from .graph import FILES, OUTPUT_NAME, ExportError

# Largest |PyTorch - ONNX| allowed on the golden pairs, per variant: fp32 is exact up to reordering;
# fp16 keeps ~3 significant digits through dozens of layers.
TOLERANCE = {"fp32": 1e-4, "fp16": 5e-2}


def golden_pairs(net: UNet, diffusion: Diffusion, seed: int = 0) -> dict[str, Any]:
    """A few inputs across timesteps and classes (null included), with PyTorch's outputs."""
    config = net.config
    generator = torch.Generator().manual_seed(seed)
    timesteps = diffusion.config.timesteps
    t = torch.tensor([timesteps - 1, timesteps // 2, 0], dtype=torch.float32)
    labels = torch.tensor([0, config.num_classes, max(config.num_classes - 1, 0)], dtype=torch.int32)
    x = torch.randn(3, config.in_channels, config.image_size, config.image_size, generator=generator)
    with torch.no_grad():
        out = net(x, t, labels)

    def tensor(value: torch.Tensor) -> dict[str, Any]:
        dtype = "int32" if value.dtype == torch.int32 else "float32"
        return {"dtype": dtype, "shape": list(value.shape), "data": value.flatten().tolist()}

    return {"inputs": {"x": tensor(x), "t": tensor(t), "class_labels": tensor(labels)},
            "outputs": {OUTPUT_NAME: tensor(out)}, "tolerance": TOLERANCE}


def check_parity_with_onnxruntime(directory: str, golden: dict[str, Any]) -> Optional[dict[str, float]]:
    """Largest absolute error of each ONNX file on the golden pairs, or None without onnxruntime."""
    try:
        import onnxruntime as ort  # pyright: ignore[reportMissingImports]  # optional, and not among Debian's packages
    except ImportError:
        return None
    feeds = {name: np.asarray(v["data"], dtype=v["dtype"]).reshape(v["shape"]) for name, v in golden["inputs"].items()}
    expected = np.asarray(golden["outputs"][OUTPUT_NAME]["data"], dtype=np.float32)
    errors = {}
    for variant, file in FILES.items():
        session = ort.InferenceSession(os.path.join(directory, file), providers=["CPUExecutionProvider"])
        actual = np.asarray(session.run([OUTPUT_NAME], feeds)[0]).reshape(-1)  # typed as any ONNX value
        errors[variant] = float(np.abs(actual - expected).max())
        if errors[variant] > TOLERANCE[variant]:
            raise ExportError(f"{file} differs from PyTorch by {errors[variant]:.3g} (> {TOLERANCE[variant]})")
    return errors
