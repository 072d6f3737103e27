"""The settings a model version is sampled and restored at: the manifest's `defaults` (worker/contract/manifest.ts).

These values are where a new model starts and what Python's commands default to. `model.eval`
records the settings it measured at in metrics.json (its flags default to these); `model.export`
writes that record (or, unmeasured, these values) into the manifest, and the page starts its forms
from the manifest. Neither the page nor the Worker keeps a copy.
"""
from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from typing import Any, Optional


@dataclass(frozen=True)
class GenerateDefaults:
    # The shipped model's best Frechet distance for its cost, measured per model (model/README.md: "Evaluation",
    # and "Speed on the visitor's device" for the passes): 14 per image, guided only in the interval
    # (Kynkaanniemi et al. 2024).
    sampler: str = "dpmpp_3m"
    steps: int = 10
    guidance: float = 1.5
    guidance_interval: Optional[tuple[float, float]] = (0.2, 10.0)
    # A distilled student's own timesteps (it was trained at them; model/training/distill.py). None:
    # `steps` spaced in log-SNR, as for every model that learned the whole schedule.
    timesteps: Optional[tuple[int, ...]] = None


@dataclass(frozen=True)
class RestoreDefaults:
    steps: int
    resample: int  # repeats per step (RePaint resampling); 1 is plain DDNM


@dataclass(frozen=True)
class SamplingDefaults:
    generate: GenerateDefaults = field(default_factory=GenerateDefaults)
    restore: RestoreDefaults = field(default_factory=lambda: RestoreDefaults(steps=50, resample=2))  # model-sized
    # A photo at its own size, tile by tile, and one enlarged x2 or x4. A photo kept at its size scores as well at 10
    # steps as at 20 (denoising better), with no seams since a noisy photo's first pass runs two tile grids; an
    # enlargement at 14 keeps x4's gain over Lanczos and x2's par with it, where 10 fell below (model/README.md,
    # "Steps per kind of task").
    restore_photo: RestoreDefaults = field(default_factory=lambda: RestoreDefaults(steps=10, resample=1))
    enlarge_photo: RestoreDefaults = field(default_factory=lambda: RestoreDefaults(steps=14, resample=1))
    ddnm_eta: float = 0.85  # DDNM's step noise (Wang et al. 2023)

    def to_json(self) -> dict[str, Any]:
        out = dataclasses.asdict(self)
        interval = self.generate.guidance_interval
        out["generate"]["guidance_interval"] = None if interval is None else list(interval)
        if self.generate.timesteps is None:
            del out["generate"]["timesteps"]  # the manifest names timesteps for students alone
        else:
            out["generate"]["timesteps"] = list(self.generate.timesteps)
        return out

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> "SamplingDefaults":
        try:
            generate = dict(data["generate"])
            interval = generate.get("guidance_interval")
            generate["guidance_interval"] = None if interval is None else (float(interval[0]), float(interval[1]))
            if generate.get("timesteps") is not None:
                generate["timesteps"] = tuple(int(t) for t in generate["timesteps"])
            photo = RestoreDefaults(**data["restore_photo"])
            # A record from before enlargements had their own: they were restored at restore_photo.
            enlarge = RestoreDefaults(**data["enlarge_photo"]) if "enlarge_photo" in data else photo
            return cls(GenerateDefaults(**generate), RestoreDefaults(**data["restore"]), photo, enlarge,
                       float(data["ddnm_eta"]))
        except (KeyError, TypeError, ValueError, IndexError) as e:
            raise ValueError(f"defaults are not in the manifest's shape ({e!r}): {data!r}") from e

    def within(self, timesteps: int) -> "SamplingDefaults":
        """The same settings with no step count above a model's `timesteps` (the manifest requires it)."""
        capped = {name: dataclasses.replace(part, steps=min(part.steps, timesteps))
                  for name, part in (("generate", self.generate), ("restore", self.restore),
                                     ("restore_photo", self.restore_photo), ("enlarge_photo", self.enlarge_photo))}
        return dataclasses.replace(self, **capped)


DEFAULTS = SamplingDefaults()
