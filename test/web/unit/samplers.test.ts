/**
 * Parity with model/diffusion/samplers.py: replays test/fixtures/sampler-golden.json (python -m model.golden),
 * where the "UNet" is the exact noise predictor of data ~ N(mean, std^2) and every noise draw
 * was recorded.
 */
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import type { Manifest } from "../../../web/src/api/models.ts";
import { SAMPLERS, type SamplerName } from "../../../web/src/diffusion/samplers";
import { type Prediction, samplingTimesteps } from "../../../web/src/diffusion/schedule";
import { generateTimesteps } from "../../../web/src/inference/generate-job.ts";
import { SAMPLER_NAMES } from "../../../worker/contract/manifest.ts";
import { recordedNoise, toyEpsModel } from "./golden";

interface GoldenCase {
  sampler: SamplerName;
  schedule: string;
  prediction: Prediction;
  steps: number;
  clip: boolean;
  shape: number[];
  timesteps: number[];
  /** At a distilled student's own timesteps, which its manifest lists (Python's student_timesteps). */
  student: boolean;
  x_init: number[];
  noise: number[][];
  out: number[];
}
interface Golden {
  toy: { mean: number; std: number };
  schedules: Record<string, number[]>;
  cases: GoldenCase[];
}

const golden = JSON.parse(readFileSync(new URL("../../fixtures/sampler-golden.json", import.meta.url), "utf8")) as Golden;

describe("samplers match the Python reference", () => {
  expect(golden.cases.length).toBeGreaterThanOrEqual(12);
  for (const c of golden.cases) {
    const name = `${c.sampler} ${c.schedule}/${c.prediction} ${c.steps} steps clip=${c.clip}${c.student ? " (a student's timesteps)" : ""}`;
    const alphasCumprod = golden.schedules[c.schedule];

    it(`${name}: timesteps`, () => {
      // A student's come from its manifest; the others are spaced in log-SNR as Python spaces them.
      const manifest = {
        defaults: { generate: { timesteps: c.student ? c.timesteps : undefined } },
        diffusion: { alphas_cumprod: alphasCumprod },
      };
      expect(generateTimesteps(manifest as unknown as Manifest, c.steps)).toEqual(c.timesteps);
    });

    it(`${name}: samples`, async () => {
      const noise = recordedNoise(c.noise);
      const seen: number[] = [];
      const out = await SAMPLERS[c.sampler](
        toyEpsModel(alphasCumprod, c.prediction, golden.toy),
        Float64Array.from(c.x_init),
        c.timesteps,
        alphasCumprod,
        {
          clip: c.clip,
          noise: noise.source,
          callback: ({ i }) => void seen.push(i),
        },
      );
      expect(noise.used()).toBe(c.noise.length);
      expect(seen).toEqual(c.timesteps.map((_, i) => i));
      // Both sides compute in float64 with the same formulas; only the order of a few roundings
      // differs (~1e-16 relative), so 1e-9 leaves room for growth over 12 steps while any wrong
      // coefficient or step would be off by more than 1e-3.
      for (const [i, v] of out.entries()) expect(Math.abs(v - c.out[i]), `value ${i}`).toBeLessThan(1e-9);
    });
  }
});

it("offers exactly the samplers a manifest may name as its default", () => {
  expect(Object.keys(SAMPLERS).sort()).toEqual([...SAMPLER_NAMES].sort());
});

describe("samplingTimesteps", () => {
  const alphasCumprod = golden.schedules.cosine;

  it("spans T-1 down to 0 in strictly decreasing integers", () => {
    for (const steps of [1, 2, 7, 50, 1000]) {
      const ts = samplingTimesteps(steps, alphasCumprod);
      expect(ts).toHaveLength(steps);
      expect(ts[0]).toBe(999);
      if (steps > 1) expect(ts[steps - 1]).toBe(0);
      for (const [i, t] of ts.slice(1).entries()) expect(t).toBeLessThan(ts[i]);
    }
  });

  it("rejects step counts outside 1..T", () => {
    expect(() => samplingTimesteps(0, alphasCumprod)).toThrow(/between 1 and 1000/);
    expect(() => samplingTimesteps(1001, alphasCumprod)).toThrow(/between 1 and 1000/);
    expect(() => samplingTimesteps(2.5, alphasCumprod)).toThrow(/between 1 and 1000/);
  });
});
