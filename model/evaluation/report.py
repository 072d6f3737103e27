"""What an evaluation tells people: progress on stderr, the metrics JSON (which `model.export --metrics`
puts in the manifest, for the page's model panel: web/src/ui/model/evaluation.ts; its `defaults`, the
settings measured at, become the manifest's own) and its Markdown tables.
"""
from __future__ import annotations

import functools
import json
import os
import sys
import time
from typing import Any, Callable, Optional

import numpy as np

from ..training.threads import use_cpu_threads
from .metrics import NOT_FID


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def measure_to_json(out: str, measure: Callable[[str], dict[str, Any]],
                    errors: tuple[type[Exception], ...]) -> dict[str, Any]:
    """Runs a command's `measure(out_dir)` on every CPU thread, ends the command on one of `errors` with its
    message, and writes the result, with its wall_seconds, as JSON to `out` (pictures go into out_dir)."""
    out_dir = os.path.dirname(os.path.abspath(out))
    os.makedirs(out_dir, exist_ok=True)
    use_cpu_threads()
    began = time.time()
    try:
        result = measure(out_dir)
    except errors as e:
        sys.exit(f"error: {e}")
    result["wall_seconds"] = round(time.time() - began)
    with open(out, "w") as f:
        json.dump(result, f, indent=2)
    return result


def metrics_json(state: dict[str, Any], classifier: str, classifier_facts: dict[str, Any], reference_images: int,
                 seed: int, generation: dict[str, Any], restoration: Optional[dict[str, Any]]) -> dict[str, Any]:
    """`model.eval`'s metrics: what was judged, by what, against which reference, and the results
    (evaluate_generation's sections, then evaluate_restoration's, where restoration was measured)."""
    return {"note": NOT_FID, "checkpoint": {k: state.get(k) for k in ("step", "images_seen", "preset", "ema_rampup")},
            "classifier": {"path": classifier, **{k: classifier_facts.get(k) for k in ("test_accuracy", "parameters")}},
            "reference": {"split": "train", "images": reference_images, "seed": seed},
            **generation, **({"restoration": restoration} if restoration else {})}


def interval_text(run: dict[str, Any]) -> str:
    interval = run.get("guidance_interval")
    return f" in sigma ({interval[0]:g}, {interval[1]:g}]" if interval else ""


def format_table(metrics: dict[str, Any]) -> str:
    """The metrics as Markdown tables, for the terminal and model/README.md."""
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
    r = metrics.get("restoration")
    if not r:
        return "\n".join(lines)
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


def format_photos_table(photos: dict[str, Any]) -> str:
    """Mean PSNR / SSIM over the photos of each size and task, as Markdown."""
    groups: dict[tuple[str, str], list[dict[str, Any]]] = {}
    for r in photos["runs"]:
        groups.setdefault((f"{r['height']}x{r['width']}", r["task"]), []).append(r)

    def cell(runs: list[dict[str, Any]], *keys: str) -> str:
        scores = [functools.reduce(lambda d, k: d[k], keys, r) for r in runs]
        return f"{np.mean([s['psnr'] for s in scores]):.2f} / {np.mean([s['ssim'] for s in scores]):.3f}"

    k = photos["candidates"]
    # A record from before enlargements had steps of their own restored every task at the same steps.
    enlarge = (photos.get("enlarge_steps", photos["steps"]), photos.get("enlarge_resample", photos["resample"]))
    lines = [f"Photos restored at their own size ({photos['steps']} steps, resample {photos['resample']}; "
             f"enlargements {enlarge[0]} steps, resample {enlarge[1]}; "
             f"{photos['tile']}x{photos['tile']} tiles): PSNR (dB) / SSIM, mean over the photos", "",
             f"| size | task | photos | damaged | baselines | diffusion | mean of {k} | seconds for {k} | "
             "noise estimate error |",
             "| --- | --- | --- | --- | --- | --- | --- | --- | --- |"]
    for (size, task), runs in groups.items():
        baselines = ", ".join(f"{b} {cell(runs, 'baselines', b)}" for b in runs[0]["baselines"])
        error = (" / ".join(f"{100 * r['estimate_error']:+.0f}%" for r in runs) if "estimate_error" in runs[0] else "")
        lines.append(f"| {size} | {task} | {len(runs)} | {cell(runs, 'damaged')} | {baselines} | "
                     f"{cell(runs, 'restored')} | {cell(runs, 'mean_of_candidates')} | "
                     f"{np.mean([r['wall_seconds'] for r in runs]):.1f} | {error} |")
    return "\n".join(lines)
