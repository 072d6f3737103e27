/** Fix my photo's presets: derived from the version's defaults, and recognised from the fields they set. */
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import type { Manifest } from "../../../web/src/api/models.ts";
import { PRESETS, presetEffort, presetOf } from "../../../web/src/ui/photo/photo-presets.ts";

const tiny = JSON.parse(readFileSync(new URL("../../fixtures/tiny/manifest.json", import.meta.url), "utf8")) as Manifest;
const withDefaults = (steps: number, resample: number, timesteps = 1000): Manifest => ({
  ...tiny,
  diffusion: { ...tiny.diffusion, timesteps },
  defaults: { ...tiny.defaults, restore_photo: { steps, resample } },
});

describe("photo presets", () => {
  it("derives each from the version's photo defaults", () => {
    const m = withDefaults(20, 1);
    expect(presetEffort(m, "Quick")).toEqual({ steps: 10, resample: 1, candidates: 1 });
    expect(presetEffort(m, "Balanced")).toEqual({ steps: 20, resample: 1, candidates: 1 });
    expect(presetEffort(m, "Best")).toEqual({ steps: 40, resample: 2, candidates: 1 });
  });

  it("never asks for more steps than the schedule has, nor fewer than one", () => {
    expect(presetEffort(withDefaults(30, 1, 50), "Best").steps).toBe(50);
    expect(presetEffort(withDefaults(1, 1), "Quick").steps).toBe(1);
  });

  it("recognises a preset from its fields, and none once a field differs", () => {
    const m = withDefaults(20, 1);
    for (const { name } of PRESETS) expect(presetOf(m, presetEffort(m, name))).toBe(name);
    expect(presetOf(m, { steps: 7, resample: 1, candidates: 1 })).toBeNull();
    expect(presetOf(m, { steps: 20, resample: 1, candidates: 4 })).toBeNull();
  });
});
