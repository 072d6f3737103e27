"""The settings a model version is sampled and restored at: the manifest's `defaults` (worker/manifest.ts).

These values are where a new model starts. `model.eval` measures a checkpoint at them (its flags
default to them) and records what it measured at in metrics.json; `model.export` writes that record
into the manifest, and the page starts its forms from the manifest. Neither the page nor the Worker
keeps a copy.
"""
from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from typing import Any, Optional


@dataclass(frozen=True)
class GenerateDefaults:
    sampler: str = "dpmpp_2m"
    # 8 steps with guidance only where 0.2 < sigma <= 10 (2 of them; Kynkaanniemi et al. 2024): 10 network
    # passes per image instead of 40, at the Frechet distance of 20 steps guided throughout (README, Speed).
    steps: int = 8
    guidance: float = 4.0
    guidance_interval: Optional[tuple[float, float]] = (0.2, 10.0)


@dataclass(frozen=True)
class RestoreDefaults:
    steps: int
    resample: int  # repeats per step (RePaint resampling); 1 is plain DDNM


@dataclass(frozen=True)
class SamplingDefaults:
    generate: GenerateDefaults = field(default_factory=GenerateDefaults)
    restore: RestoreDefaults = field(default_factory=lambda: RestoreDefaults(steps=50, resample=2))  # model-sized
    restore_photo: RestoreDefaults = field(default_factory=lambda: RestoreDefaults(steps=20, resample=1))  # tiled
    ddnm_eta: float = 0.85  # DDNM's step noise (Wang et al. 2023)

    def to_json(self) -> dict[str, Any]:
        out = dataclasses.asdict(self)
        interval = self.generate.guidance_interval
        out["generate"]["guidance_interval"] = None if interval is None else list(interval)
        return out

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> "SamplingDefaults":
        generate = dict(data["generate"])
        interval = generate.get("guidance_interval")
        generate["guidance_interval"] = None if interval is None else (float(interval[0]), float(interval[1]))
        return cls(GenerateDefaults(**generate), RestoreDefaults(**data["restore"]),
                   RestoreDefaults(**data["restore_photo"]), float(data["ddnm_eta"]))


DEFAULTS = SamplingDefaults()
