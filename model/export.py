"""Export a checkpoint's EMA weights to ONNX for the browser: `python -m model.export CKPT --out DIR`.

Writes `model.onnx` (fp32), `model.fp16.onnx`, `manifest.json` (the contract with the Worker and
the page) and `golden.json` (inputs and PyTorch's outputs). The ONNX interface: x float32[B,C,H,W],
t float32[B], class_labels int32[B] -> out float32[B,C,H,W] (eps or v, as the manifest says); opset
17; dynamic batch axis; no int64 inputs. Parity with PyTorch is checked here with onnxruntime when
Python has it, and always by the TypeScript tests and the publish script with onnxruntime-node.
"""
from __future__ import annotations

import argparse
import datetime
import hashlib
import inspect
import json
import os
import sys
from typing import Any, Optional

import numpy as np
import onnx
import torch

from . import checkpoint
from .diffusion import Diffusion
from .onnx_fp16 import convert_to_fp16
from .unet import UNet, count_parameters

OPSET = 17
MANIFEST_SCHEMA = "edge-diffusion/manifest@1"
INPUT_NAMES = ["x", "t", "class_labels"]
OUTPUT_NAME = "out"
# Largest |PyTorch - ONNX| allowed on the golden pairs, per variant: fp32 is exact up to reordering;
# fp16 keeps ~3 significant digits through dozens of layers.
TOLERANCE = {"fp32": 1e-4, "fp16": 5e-2}
FILES = {"fp32": "model.onnx", "fp16": "model.fp16.onnx"}


class ExportError(RuntimeError):
    pass


def export_onnx(net: UNet, path: str) -> None:
    config = net.config
    example = (torch.zeros(2, config.in_channels, config.image_size, config.image_size),
               torch.tensor([10.0, 500.0]), torch.tensor([0, config.num_classes], dtype=torch.int32))
    batch_axis = {0: "batch"}
    options: dict[str, Any] = {}
    if "dynamo" in inspect.signature(torch.onnx.export).parameters:
        options["dynamo"] = False  # the TorchScript exporter: the same graph on PyTorch 1.13 and 2.x
    torch.onnx.export(net, example, path, opset_version=OPSET, input_names=INPUT_NAMES, output_names=[OUTPUT_NAME],
                      dynamic_axes={name: batch_axis for name in INPUT_NAMES + [OUTPUT_NAME]},
                      do_constant_folding=True, **options)


def check_interface(model: onnx.ModelProto) -> None:
    """The graph must be valid ONNX and take no int64 inputs (WebGPU handles them badly)."""
    onnx.checker.check_model(model)
    for graph_input in model.graph.input:
        if graph_input.type.tensor_type.elem_type == onnx.TensorProto.INT64:
            raise ExportError(f"ONNX input {graph_input.name} is int64: the browser needs int32/float32 inputs")
    names = [i.name for i in model.graph.input]
    if names != INPUT_NAMES:
        raise ExportError(f"ONNX inputs are {names}, expected {INPUT_NAMES}")


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
        import onnxruntime as ort  # type: ignore[import-not-found]
    except ImportError:
        return None
    feeds = {name: np.asarray(v["data"], dtype=v["dtype"]).reshape(v["shape"]) for name, v in golden["inputs"].items()}
    expected = np.asarray(golden["outputs"][OUTPUT_NAME]["data"], dtype=np.float32)
    errors = {}
    for variant, file in FILES.items():
        session = ort.InferenceSession(os.path.join(directory, file), providers=["CPUExecutionProvider"])
        actual = session.run([OUTPUT_NAME], feeds)[0].reshape(-1)
        errors[variant] = float(np.abs(actual - expected).max())
        if errors[variant] > TOLERANCE[variant]:
            raise ExportError(f"{file} differs from PyTorch by {errors[variant]:.3g} (> {TOLERANCE[variant]})")
    return errors


def file_entry(directory: str, name: str, variant: str) -> dict[str, Any]:
    with open(os.path.join(directory, name), "rb") as f:
        data = f.read()
    return {"name": name, "variant": variant, "bytes": len(data), "sha256": hashlib.sha256(data).hexdigest()}


def training_facts(state: dict[str, Any], net: UNet) -> dict[str, Any]:
    train = state.get("train", {})
    facts = {
        "dataset": state.get("dataset_name", "CIFAR-10"), "preset": state.get("preset"),
        "images_seen": state.get("images_seen"), "steps": state.get("step"),
        "batch_size": train.get("batch_size"), "parameters": count_parameters(net),
        "hardware": state.get("hardware"), "wall_seconds": state.get("wall_seconds"),
        "code_revision": state.get("code_revision"),
    }
    return {k: v for k, v in facts.items() if v is not None}


def build_manifest(state: dict[str, Any], net: UNet, diffusion: Diffusion, files: list[dict[str, Any]],
                   version_id: Optional[str], name: Optional[str], metrics: dict[str, Any]) -> dict[str, Any]:
    config = net.config
    facts = training_facts(state, net)
    shape = ["batch", config.in_channels, config.image_size, config.image_size]
    created = datetime.datetime.now(datetime.timezone.utc).replace(microsecond=0)
    if version_id is None:  # e.g. cifar-10-cpu-512kimg-1a2b3c4d: what, how far trained, which bytes
        dataset = facts["dataset"].split(" (")[0]
        slug = "".join(c if c.isascii() and c.isalnum() else "-" for c in dataset.lower()).strip("-")[:24] or "data"
        kimg = facts.get("images_seen", 0) // 1000
        version_id = f"{slug}-{facts.get('preset', 'custom')}-{kimg}kimg-{files[0]['sha256'][:8]}"
    class_names = [] if config.num_classes == 0 else (state.get("class_names")
                                                      or [str(i) for i in range(config.num_classes)])
    return {
        "schema": MANIFEST_SCHEMA,
        "id": version_id,
        "name": name or f"{facts['dataset']} {'class-conditional' if config.num_classes else 'unconditional'} UNet",
        "created": created.isoformat().replace("+00:00", "Z"),
        "image": {"size": config.image_size, "channels": config.in_channels, "range": [-1, 1]},
        "classes": {"names": class_names, "null_class": config.num_classes},
        "diffusion": {"schedule": diffusion.config.schedule, "timesteps": diffusion.config.timesteps,
                      "prediction": diffusion.config.prediction,
                      "alphas_cumprod": [float(a) for a in diffusion.alphas_cumprod.tolist()]},
        "onnx": {"opset": OPSET,
                 "inputs": [{"name": "x", "dtype": "float32", "shape": shape},
                            {"name": "t", "dtype": "float32", "shape": ["batch"]},
                            {"name": "class_labels", "dtype": "int32", "shape": ["batch"]}],
                 "outputs": [{"name": OUTPUT_NAME, "dtype": "float32", "shape": shape}]},
        "files": files,
        "training": facts,
        "metrics": metrics,
    }


def export(checkpoint_path: str, out_dir: str, version_id: Optional[str] = None, name: Optional[str] = None,
           metrics: Optional[dict[str, Any]] = None) -> dict[str, Any]:
    """Write the ONNX files, golden pairs and manifest for a checkpoint; returns the manifest."""
    state = checkpoint.load(checkpoint_path)
    net, diffusion = checkpoint.ema_network(state)
    os.makedirs(out_dir, exist_ok=True)
    fp32_path = os.path.join(out_dir, FILES["fp32"])
    export_onnx(net, fp32_path)
    fp32 = onnx.load(fp32_path)
    check_interface(fp32)
    fp16 = convert_to_fp16(fp32)
    check_interface(fp16)
    onnx.save(fp16, os.path.join(out_dir, FILES["fp16"]))

    golden = golden_pairs(net, diffusion)
    with open(os.path.join(out_dir, "golden.json"), "w") as f:
        json.dump(golden, f)
    errors = check_parity_with_onnxruntime(out_dir, golden)
    if errors is None:
        print("onnxruntime is not installed for this Python: parity is checked by onnxruntime-node "
              "(npm test, and npm run publish-model before any upload)", file=sys.stderr)
    else:
        print(f"parity with PyTorch (max abs error): {errors}", file=sys.stderr)

    files = [file_entry(out_dir, file, variant) for variant, file in FILES.items()]
    manifest = build_manifest(state, net, diffusion, files, version_id, name, metrics or {})
    with open(os.path.join(out_dir, "manifest.json"), "w") as f:
        json.dump(manifest, f, indent=1)
    return manifest


def main(argv: Optional[list[str]] = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m model.export", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("checkpoint", help="a checkpoint.pt from model.train, or shipped EMA weights (ema.pt)")
    parser.add_argument("--out", required=True, help="directory for the ONNX files, manifest and golden pairs")
    parser.add_argument("--id", help="version id (default: <dataset>-<preset>-<kimg>kimg-<sha256 prefix>)")
    parser.add_argument("--name", help="human-readable name of the version")
    parser.add_argument("--metrics", help="a JSON file of evaluation metrics to put in the manifest")
    args = parser.parse_args(argv)
    try:
        metrics = json.load(open(args.metrics)) if args.metrics else {}
        manifest = export(args.checkpoint, args.out, args.id, args.name, metrics)
    except (checkpoint.CheckpointError, ExportError, OSError, json.JSONDecodeError) as e:
        sys.exit(f"error: {e}")
    sizes = ", ".join(f"{f['name']} {f['bytes'] / 1e6:.2f} MB" for f in manifest["files"])
    print(f"exported {manifest['id']} to {args.out}: {sizes}")


if __name__ == "__main__":
    main()
