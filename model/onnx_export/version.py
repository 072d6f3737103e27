"""A model version's export directory: `model.onnx` (fp32), `model.fp16.onnx` (for WebGPU), `model.int8.onnx`
(for WASM), `parity.json` (inputs and PyTorch's outputs) and `manifest.json`, from a checkpoint's EMA weights.
"""
from __future__ import annotations

import dataclasses
import json
import os
import sys
from typing import Any, Optional

import onnx

from ..diffusion.defaults import DEFAULTS, SamplingDefaults
from ..training import checkpoint
from ..training.distill import student_of
from .fp16 import convert_to_fp16
from .graph import FILES, check_interface, export_onnx
from .int8 import plan_int8, quantize_graph
from .manifest import build_manifest, file_entry
from .parity import PARITY_FILE, check_parity_with_onnxruntime, parity_json


def export(checkpoint_path: str, out_dir: str, version_id: Optional[str] = None, name: Optional[str] = None,
           metrics: Optional[dict[str, Any]] = None, teacher: Optional[str] = None) -> dict[str, Any]:
    """Write the ONNX files, parity checks and manifest for a checkpoint; returns the manifest.
    `teacher`: for a distilled student, the version id of the model it was distilled from."""
    state = checkpoint.load(checkpoint_path)
    net, diffusion = checkpoint.ema_network(state)
    student = student_of(state, diffusion)
    if teacher and student is None:
        raise ValueError(f"--teacher {teacher}: this checkpoint is not a distilled student (it was not trained "
                         "with --student-steps), so it has no teacher")
    os.makedirs(out_dir, exist_ok=True)
    fp32_path = os.path.join(out_dir, FILES["fp32"])
    export_onnx(net, fp32_path)
    fp32 = onnx.load(fp32_path)
    check_interface(fp32)
    fp16 = convert_to_fp16(fp32)
    check_interface(fp16)
    onnx.save(fp16, os.path.join(out_dir, FILES["fp16"]))
    # A student is calibrated and checked on the calls it makes: its own timesteps.
    own_sampling = student or DEFAULTS.generate
    int8 = plan_int8(net, diffusion, own_sampling)
    print(f"int8: {len(int8.plan)} convolutions in int8, {len(int8.kept_fp32)} kept in fp32 "
          f"({', '.join(int8.kept_fp32)}); simulated error in levels of 255: "
          f"{ {band: round(e, 2) for band, e in int8.errors.items()} }", file=sys.stderr)
    int8_path = os.path.join(out_dir, FILES["int8"])
    if int8.plan:
        int8_graph = quantize_graph(fp32, net, int8.plan)
        check_interface(int8_graph)
        onnx.save(int8_graph, int8_path)
    elif os.path.exists(int8_path):  # nothing quantizes within tolerance: WASM runs fp32, and says why
        os.remove(int8_path)

    parity = parity_json(net, diffusion, own_sampling)
    with open(os.path.join(out_dir, PARITY_FILE), "w") as f:
        json.dump(parity, f)
    errors = check_parity_with_onnxruntime(out_dir, parity, diffusion)
    if errors is None:
        print("onnxruntime is not installed for this Python: parity is checked by onnxruntime-node "
              "(npm test, and npm run publish-model before any upload)", file=sys.stderr)
    else:
        print(f"parity with PyTorch (max abs error): {errors}", file=sys.stderr)

    metrics = dict(metrics or {})
    if "int8" in metrics and (not int8.plan or metrics["int8"].get("kept_fp32") != int8.kept_fp32):
        print("the metrics' int8 evaluation is of another plan than this export's: left out, so the page "
              "will not use the int8 file until it is measured (model.eval --int8)", file=sys.stderr)
        del metrics["int8"]
    files = [file_entry(out_dir, file, variant) for variant, file in FILES.items()
             if os.path.exists(os.path.join(out_dir, file))]
    # model.eval records the settings it measured at; unmeasured, a version gets the library's (a
    # distilled student, its own way of sampling).
    unmeasured = dataclasses.replace(DEFAULTS, generate=own_sampling)
    defaults = SamplingDefaults.from_json(metrics.pop("defaults")) if "defaults" in metrics else unmeasured
    defaults = defaults.within(diffusion.config.timesteps)
    manifest = build_manifest(state, net, diffusion, files, version_id, name, defaults, metrics, teacher)
    with open(os.path.join(out_dir, "manifest.json"), "w") as f:
        json.dump(manifest, f, indent=1)
    return manifest
