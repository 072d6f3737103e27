"""The manifest: the contract with the Worker and the page (worker/contract/manifest.ts declares it)."""
from __future__ import annotations

import datetime
import hashlib
import os
from typing import Any, Optional

from ..diffusion.defaults import SamplingDefaults
from ..diffusion.schedule import Diffusion
from ..networks.unet import UNet, count_parameters
from ..training.distill import distilled_from, is_student
from .graph import interface

MANIFEST_SCHEMA = "edge-diffusion/manifest@1"


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
    start = state.get("warm_start", {})
    if start.get("images_seen"):  # the hardware is the last run's, so say what that run added to its init's count
        facts["last_run_from_images"] = start["images_seen"]
        facts["last_run_wall_seconds"] = state.get("wall_seconds", 0.0) - start.get("wall_seconds", 0.0)
    if is_student(state):
        facts["distilled_from_images"] = distilled_from(state)
    return {k: v for k, v in facts.items() if v is not None}


def default_id(facts: dict[str, Any], student_steps: Optional[int], sha256: str) -> str:
    """What, how far trained, which bytes: cifar-10-cpu-512kimg-1a2b3c4d, or for a distilled student
    cifar-10-student4-120kimg-1a2b3c4d (the images it distilled, not its teacher's)."""
    dataset = facts["dataset"].split(" (")[0]
    slug = "".join(c if c.isascii() and c.isalnum() else "-" for c in dataset.lower()).strip("-")[:24] or "data"
    seen = facts.get("images_seen", 0)
    if student_steps:
        return f"{slug}-student{student_steps}-{(seen - facts['distilled_from_images']) // 1000}kimg-{sha256[:8]}"
    return f"{slug}-{facts.get('preset', 'custom')}-{seen // 1000}kimg-{sha256[:8]}"


def build_manifest(state: dict[str, Any], net: UNet, diffusion: Diffusion, files: list[dict[str, Any]],
                   version_id: Optional[str], name: Optional[str], defaults: SamplingDefaults,
                   metrics: dict[str, Any], teacher: Optional[str] = None) -> dict[str, Any]:
    """`teacher`: the version a student was distilled from, which the page offers one click away."""
    config = net.config
    facts = training_facts(state, net)
    created = datetime.datetime.now(datetime.timezone.utc).replace(microsecond=0)
    student_steps = len(defaults.generate.timesteps) if defaults.generate.timesteps else None
    version_id = version_id or default_id(facts, student_steps, files[0]["sha256"])
    class_names = [] if config.num_classes == 0 else (state.get("class_names")
                                                      or [str(i) for i in range(config.num_classes)])
    kind = "class-conditional" if config.num_classes else "unconditional"
    distilled = f", distilled to {student_steps} steps" if student_steps else ""
    return {
        "schema": MANIFEST_SCHEMA,
        "id": version_id,
        "name": name or f"{facts['dataset']} {kind} UNet{distilled}",
        **({"teacher": teacher} if teacher else {}),
        "created": created.isoformat().replace("+00:00", "Z"),
        "image": {"size": config.image_size, "channels": config.in_channels, "range": [-1, 1]},
        "classes": {"names": class_names, "null_class": config.num_classes},
        "diffusion": {"schedule": diffusion.config.schedule, "timesteps": diffusion.config.timesteps,
                      "prediction": diffusion.config.prediction,
                      "alphas_cumprod": [float(a) for a in diffusion.alphas_cumprod.tolist()]},
        "defaults": defaults.to_json(),
        "onnx": interface(config),
        "files": files,
        "training": facts,
        "metrics": metrics,
    }
