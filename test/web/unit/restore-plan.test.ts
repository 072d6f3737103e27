/** Planning a restoration: its work, whether its candidates can differ, and the time it will take, said before it starts. */
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import type { Manifest } from "../../../web/src/api/models.ts";
import {
  candidatesDiffer,
  estimateSeconds,
  LONG_JOB_SECONDS,
  plannedWork,
  type RestoreWork,
  SPEED_BATCH,
  speedFrom,
  stepsWithin,
  tilesThroughUNet,
  unetPasses,
  WARN_ABOVE_SECONDS,
} from "../../../web/src/restore-plan.ts";
import { formatDuration } from "../../../web/src/ui/shared/format.ts";
import { formatTimeLeft, secondsLeftOf } from "../../../web/src/ui/shared/time-left.ts";

const manifest = JSON.parse(readFileSync(new URL("../../fixtures/tiny/manifest.json", import.meta.url), "utf8")) as Manifest;

// A 451x300 photo: 16 x 11 tiles of 32 on the shifted grid, and 15 x 10 more on the unshifted one in the first pass.
const photo: RestoreWork = { tilesPerCall: 16 * 11, tilesFirstCall: 16 * 11 + 15 * 10 - 4, steps: 20, resample: 1 };
const speed = { batch: 16, ms: 857 }; // the default model, one WASM thread

describe("restore budget", () => {
  it("counts UNet passes: resample per step, the last step once", () => {
    expect(unetPasses({ steps: 20, resample: 1 })).toBe(20);
    expect(unetPasses({ steps: 50, resample: 2 })).toBe(99);
    expect(unetPasses({ steps: 1, resample: 3 })).toBe(1);
  });

  it("scales the measured call by its tiles", () => {
    const seconds = estimateSeconds(photo, speed);
    expect(seconds).toBeCloseTo(((322 + 19 * 176) * 857) / 16 / 1000, 9);
    expect(seconds).toBeGreaterThan(LONG_JOB_SECONDS);
  });

  it("suggests the most steps that fit the budget, for jobs that run every step or only some", () => {
    const every = (steps: number) => ({ ...photo, steps });
    const steps = stepsWithin(LONG_JOB_SECONDS, 20, every, speed);
    expect(estimateSeconds(every(steps), speed)).toBeLessThanOrEqual(LONG_JOB_SECONDS);
    expect(estimateSeconds(every(steps + 1), speed)).toBeGreaterThan(LONG_JOB_SECONDS);
    // A job that starts below the top of the schedule runs a third of the steps asked for.
    const third = (s: number) => ({ ...photo, steps: Math.max(1, Math.round(s / 3)) });
    const more = stepsWithin(LONG_JOB_SECONDS, 60, third, speed);
    expect(more).toBeGreaterThan(steps);
    expect(estimateSeconds(third(more), speed)).toBeLessThanOrEqual(LONG_JOB_SECONDS);
    // Even one step over budget is the least there is.
    expect(stepsWithin(1, 20, every, speed)).toBe(1);
  });

  it("counts the coarse colour passes: a photo that lost only its colour runs nothing at its own size", () => {
    // The tiny model's tiles are 16: a 160x96 photo's colours are chosen on a 27x16 copy (3 tiles a call on the shifted grid).
    const photo = { height: 96, width: 160, mask: null, upscale: 1 as const, noise: 0, steps: 10, resample: 1, candidates: 3 };
    const colourOnly = plannedWork(manifest, { ...photo, grayscale: true });
    // (The first pass's two grids share those 3 tiles.)
    expect(colourOnly).toMatchObject({ tilesPerCall: 0, tilesFirstCall: 0, steps: 0, colourTiles: 3 * 10 * 3 });
    expect(tilesThroughUNet(colourOnly)).toBe(90);
    expect(estimateSeconds(colourOnly, speed)).toBeCloseTo((90 * 857) / 16 / 1000, 9);
    // Noise as well: the photo is restored at its own size first, then coloured.
    const noisyGray = plannedWork(manifest, { ...photo, grayscale: true, noise: 0.2 });
    expect(noisyGray.steps).toBeGreaterThan(0);
    expect(tilesThroughUNet(noisyGray)).toBe(noisyGray.tilesFirstCall + (unetPasses(noisyGray) - 1) * noisyGray.tilesPerCall + 90);
  });

  it("counts the windows a local task restores one after another", () => {
    // The tiny model's tiles are 16: a 320x160 photo is 20x10 tiles.
    const [height, width] = [160, 320];
    const mask = new Uint8Array(height * width).fill(1);
    const lose = (i: number, j: number) => (mask[i * width + j] = 0);
    const photo = { height, width, mask, upscale: 1 as const, grayscale: false, noise: 0, steps: 10, resample: 1, candidates: 1 };
    lose(5, 5);
    expect(plannedWork(manifest, photo).windows).toBe(1);
    lose(150, 310); // the opposite corner: a window of its own
    expect(plannedWork(manifest, photo).windows).toBe(2);
    expect(plannedWork(manifest, { ...photo, noise: 0.1 }).windows).toBe(1); // noise: the whole canvas
  });

  it("averages restorations only where they can differ", () => {
    const photo = { mask: null, upscale: 1 as const, grayscale: false, steps: 20 };
    expect(candidatesDiffer(manifest, { ...photo, noise: 0.01 })).toBe(false); // one step from its own noise draws none
    expect(candidatesDiffer(manifest, { ...photo, noise: 0.2 })).toBe(true);
    expect(candidatesDiffer(manifest, { ...photo, noise: 0.01, upscale: 2 })).toBe(true);
  });

  it("says durations in words", () => {
    expect(formatDuration(0.2)).toBe("under a second");
    expect(formatDuration(42.4)).toBe("about 42 s");
    expect(formatDuration(600)).toBe("about 10 min");
    expect(formatDuration(4800)).toBe("about 1 h 20 min");
  });

  it("takes the median of the timed calls, so one slow or fast call does not set the estimate", () => {
    expect(speedFrom([900, 400, 1800])).toEqual({ batch: SPEED_BATCH, ms: 900 });
    expect(speedFrom([500])).toEqual({ batch: SPEED_BATCH, ms: 500 });
  });

  it("warns about a job estimated close to the line, not only over it", () => {
    expect(WARN_ABOVE_SECONDS).toBeLessThan(LONG_JOB_SECONDS);
    // The steps suggested instead fit under the warning, so taking them is not warned about again.
    const every = (steps: number): RestoreWork => ({ ...photo, steps });
    const steps = stepsWithin(WARN_ABOVE_SECONDS, 20, every, speed);
    expect(estimateSeconds(every(steps), speed)).toBeLessThanOrEqual(WARN_ABOVE_SECONDS);
  });

  it("refines the time left: the estimate at first, the job's own rate as its work is done", () => {
    expect(secondsLeftOf(0, 0, 60)).toBe(60);
    expect(secondsLeftOf(10, 0, 60)).toBe(50);
    expect(secondsLeftOf(10, 0, null)).toBeNull();
    // A job running at half the estimated speed: 20 s for a tenth of the work. The rate (180 s left)
    // already counts 40% at a tenth, and everything from a quarter on.
    expect(secondsLeftOf(20, 0.1, 100)).toBeCloseTo(0.4 * 180 + 0.6 * 80, 6);
    expect(secondsLeftOf(50, 0.25, 100)).toBeCloseTo(150, 6);
    expect(secondsLeftOf(50, 0.25, null)).toBeCloseTo(150, 6);
    // Past the estimate, it never goes below what the rate says.
    expect(secondsLeftOf(120, 0.5, 100)).toBeCloseTo(120, 6);
  });

  it("says the time left finely enough to move with the work", () => {
    expect(formatTimeLeft(0.4)).toBe("almost done");
    expect(formatTimeLeft(42.2)).toBe("43 s left");
    expect(formatTimeLeft(155)).toBe("2 min 35 s left");
    expect(formatTimeLeft(151)).toBe("2 min 35 s left");
    expect(formatTimeLeft(182)).toBe("3 min 05 s left");
    expect(formatTimeLeft(1800)).toBe("about 30 min left");
  });
});
