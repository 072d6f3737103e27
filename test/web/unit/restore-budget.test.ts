/** The time a restoration will take, said before it starts. */
import { describe, expect, it } from "vitest";
import { estimateSeconds, formatDuration, LONG_JOB_SECONDS, networkCalls, stepsWithin, tilesPerCall, type RestoreWork } from "../../../web/src/restore-budget.ts";

const photo: RestoreWork = { height: 300, width: 451, upscale: 1, steps: 20, resample: 1, candidates: 1 };

describe("restore budget", () => {
  it("counts the tiles of a call as the shifted grid runs them: one more per side, per candidate", () => {
    // 300/32 -> 10 rows + 1, 451/32 -> 15 columns + 1.
    expect(tilesPerCall(photo, 32)).toBe(11 * 16);
    expect(tilesPerCall({ ...photo, candidates: 4 }, 32)).toBe(4 * 11 * 16);
    // x4 restores a 4x larger image: 1200/32 -> 38 + 1, 1804/32 -> 57 + 1.
    expect(tilesPerCall({ ...photo, upscale: 4 }, 32)).toBe(39 * 58);
    // A model-sized image fits one tile, but the shifted grid still covers it with 2x2.
    expect(tilesPerCall({ ...photo, height: 32, width: 32 }, 32)).toBe(4);
  });

  it("counts network calls: resample per step, the last step once", () => {
    expect(networkCalls({ steps: 20, resample: 1 })).toBe(20);
    expect(networkCalls({ steps: 50, resample: 2 })).toBe(99);
    expect(networkCalls({ steps: 1, resample: 3 })).toBe(1);
  });

  it("scales the measured call by its tiles", () => {
    // 857 ms for 16 tiles (the default model, one WASM thread): 20 calls of 176 tiles.
    const seconds = estimateSeconds(photo, 32, { batch: 16, ms: 857 });
    expect(seconds).toBeCloseTo((20 * 176 * 857) / 16 / 1000, 9);
    expect(seconds).toBeGreaterThan(LONG_JOB_SECONDS);
  });

  it("suggests the most steps that fit the budget", () => {
    const speed = { batch: 16, ms: 857 };
    const steps = stepsWithin(LONG_JOB_SECONDS, photo, 32, speed);
    expect(estimateSeconds({ ...photo, steps }, 32, speed)).toBeLessThanOrEqual(LONG_JOB_SECONDS);
    expect(estimateSeconds({ ...photo, steps: steps + 1 }, 32, speed)).toBeGreaterThan(LONG_JOB_SECONDS);
    const resampled = { ...photo, resample: 3 };
    const fewer = stepsWithin(LONG_JOB_SECONDS, resampled, 32, speed);
    expect(estimateSeconds({ ...resampled, steps: fewer }, 32, speed)).toBeLessThanOrEqual(LONG_JOB_SECONDS);
    expect(estimateSeconds({ ...resampled, steps: fewer + 1 }, 32, speed)).toBeGreaterThan(LONG_JOB_SECONDS);
    // Even one step over budget is the least there is.
    expect(stepsWithin(1, { ...photo, upscale: 4 }, 32, speed)).toBe(1);
  });

  it("says durations in words", () => {
    expect(formatDuration(0.2)).toBe("under a second");
    expect(formatDuration(42.4)).toBe("about 42 s");
    expect(formatDuration(600)).toBe("about 10 min");
    expect(formatDuration(4800)).toBe("about 1 h 20 min");
  });
});
