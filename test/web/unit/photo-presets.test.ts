/** Fix my photo's presets: derived from the version's defaults for the task's kind, and recognised from the fields they set. */
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import type { Manifest } from "../../../web/src/api/models.ts";
import { effortOnSwitch, PRESETS, presetEffort, presetOf, serves } from "../../../web/src/ui/photo/photo-presets.ts";
import { photoDefaults } from "../../../worker/contract/photo-defaults.ts";

const tiny = JSON.parse(readFileSync(new URL("../../fixtures/tiny/manifest.json", import.meta.url), "utf8")) as Manifest;
const withDefaults = (steps: number, resample: number, timesteps = 1000, enlarge = { steps: 2 * steps, resample }): Manifest => ({
  ...tiny,
  diffusion: { ...tiny.diffusion, timesteps },
  defaults: { ...tiny.defaults, restore_photo: { steps, resample }, enlarge_photo: enlarge },
});
/** A version published before enlargements had defaults of their own. */
const { enlarge_photo: _, ...olderDefaults } = withDefaults(20, 1).defaults;
const older: Manifest = { ...tiny, defaults: olderDefaults };

describe("photo presets", () => {
  it("derives each from the version's defaults for the task: an enlargement's own, or the other tasks'", () => {
    const m = withDefaults(10, 1);
    expect(presetEffort(m, "Quick", false)).toEqual({ steps: 5, resample: 1, candidates: 1 });
    expect(presetEffort(m, "Balanced", false)).toEqual({ steps: 10, resample: 1, candidates: 1 });
    expect(presetEffort(m, "Balanced", true)).toEqual({ steps: 20, resample: 1, candidates: 1 });
    expect(presetEffort(m, "Best", true)).toEqual({ steps: 40, resample: 2, candidates: 1 });
  });

  it("enlarges at the photo defaults for a version published without enlargement defaults", () => {
    expect(photoDefaults(older, true)).toEqual(older.defaults.restore_photo);
    expect(photoDefaults(older, false)).toEqual(older.defaults.restore_photo);
    expect(presetEffort(older, "Balanced", true)).toEqual(presetEffort(older, "Balanced", false));
    expect(presetEffort(older, "Best", true)).toEqual({ steps: 40, resample: 2, candidates: 1 });
    // The fixture's own: 10 steps kept at size, 20 enlarged.
    expect([photoDefaults(tiny, false).steps, photoDefaults(tiny, true).steps]).toEqual([10, 20]);
  });

  it("never asks for more steps than the schedule has, nor fewer than one", () => {
    expect(presetEffort(withDefaults(30, 1, 50), "Best", true).steps).toBe(50);
    expect(presetEffort(withDefaults(1, 1), "Quick", false).steps).toBe(1);
  });

  it("serves photos kept at their size with Quick, enlargements with Best, and both with Balanced", () => {
    const servedBy = (enlarging: boolean) => PRESETS.filter((p) => serves(p, enlarging)).map((p) => p.name);
    expect(servedBy(false)).toEqual(["Quick", "Balanced"]);
    expect(servedBy(true)).toEqual(["Balanced", "Best"]);
  });

  it("recognises a preset from its fields for the task, and none once a field differs", () => {
    const m = withDefaults(10, 1);
    for (const enlarging of [false, true]) {
      for (const preset of PRESETS) {
        const effort = presetEffort(m, preset.name, enlarging);
        expect(presetOf(m, effort, enlarging)).toBe(serves(preset, enlarging) ? preset.name : null);
      }
    }
    // 10 steps is Balanced kept at size; enlarged it would be Quick's, which does not serve enlargements: set by hand.
    expect(presetOf(m, { steps: 10, resample: 1, candidates: 1 }, false)).toBe("Balanced");
    expect(presetOf(m, { steps: 10, resample: 1, candidates: 1 }, true)).toBeNull();
    expect(presetOf(m, { steps: 7, resample: 1, candidates: 1 }, false)).toBeNull();
    expect(presetOf(m, { steps: 10, resample: 1, candidates: 4 }, false)).toBeNull();
  });

  it("follows the new task's defaults when the visitor switches task on a preset, and keeps effort set by hand", () => {
    const m = withDefaults(10, 1);
    expect(effortOnSwitch(m, presetEffort(m, "Balanced", false), false, true)).toEqual(presetEffort(m, "Balanced", true));
    expect(effortOnSwitch(m, presetEffort(m, "Balanced", true), true, false)).toEqual(presetEffort(m, "Balanced", false));
    // Best is for enlargements: keeping the size goes back to Balanced; x2 to x4 keeps it. Quick, the other way.
    expect(effortOnSwitch(m, presetEffort(m, "Best", true), true, false)).toEqual(presetEffort(m, "Balanced", false));
    expect(effortOnSwitch(m, presetEffort(m, "Best", true), true, true)).toEqual(presetEffort(m, "Best", true));
    expect(effortOnSwitch(m, presetEffort(m, "Quick", false), false, true)).toEqual(presetEffort(m, "Balanced", true));
    // Quick's steps typed by hand while enlarging are the visitor's own, and stay when the size is kept.
    expect(effortOnSwitch(m, { steps: 10, resample: 1, candidates: 1 }, true, false)).toEqual({ steps: 10, resample: 1, candidates: 1 });
    const byHand = { steps: 7, resample: 3, candidates: 2 };
    expect(effortOnSwitch(m, byHand, false, true)).toEqual(byHand);
    expect(effortOnSwitch(m, byHand, true, false)).toEqual(byHand);
  });
});
