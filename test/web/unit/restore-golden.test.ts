/**
 * Parity with model/restore.py: replays test/fixtures/restore-golden.json (python -m model.restore_golden),
 * where the "network" is the exact v-predictor of data ~ N(mean, std^2) (model/golden.py's toy) and
 * every noise draw was recorded.
 */
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { Degradation, damage, ddnmSampler } from "../../../web/src/diffusion/restore";
import { samplingTimesteps } from "../../../web/src/diffusion/schedule";
import { recordedNoise, toyEpsModel } from "./golden";

interface RestoreCase {
  name: string;
  size: number;
  channels: number;
  grayscale: boolean;
  downsample: 1 | 2 | 4;
  mask: number[] | null;
  sigma: number;
  sigma_y: number;
  resample: number;
  eta: number;
  clip: boolean;
  timesteps: number[];
  clean: number[];
  damage_noise: number[][];
  damaged: number[];
  y: number[];
  pinv_y: number[];
  x_init: number[];
  noise: number[][];
  out: number[];
}
interface Golden {
  alphas_cumprod: number[];
  cases: RestoreCase[];
}

const golden = JSON.parse(readFileSync(new URL("../../fixtures/restore-golden.json", import.meta.url), "utf8")) as Golden;
const samplerGolden = JSON.parse(readFileSync(new URL("../../fixtures/sampler-golden.json", import.meta.url), "utf8")) as {
  toy: { mean: number; std: number };
};

const maxDiff = (a: ArrayLike<number>, b: ArrayLike<number>) => {
  expect(a.length).toBe(b.length);
  return Array.from(a).reduce((m, v, i) => Math.max(m, Math.abs(v - b[i])), 0);
};

describe("restoration matches the Python reference", () => {
  expect(golden.cases.length).toBeGreaterThanOrEqual(6);
  for (const c of golden.cases) {
    const degradation = new Degradation({
      size: c.size,
      channels: c.channels,
      grayscale: c.grayscale,
      downsample: c.downsample,
      mask: c.mask ? Uint8Array.from(c.mask) : undefined,
    });

    it(`${c.name}: damage, A and A+`, () => {
      const noise = recordedNoise(c.damage_noise);
      expect(maxDiff(damage(Float64Array.from(c.clean), degradation, c.sigma, noise.source), c.damaged)).toBeLessThan(1e-12);
      expect(noise.used()).toBe(c.damage_noise.length);
      expect(maxDiff(degradation.apply(Float64Array.from(c.damaged)), c.y)).toBeLessThan(1e-12);
      expect(maxDiff(degradation.pinv(Float64Array.from(c.y)), c.pinv_y)).toBeLessThan(1e-12);
      expect(c.sigma * degradation.noiseGain).toBeCloseTo(c.sigma_y, 14);
    });

    it(`${c.name}: restored image`, async () => {
      expect(samplingTimesteps(c.timesteps.length, golden.alphas_cumprod)).toEqual(c.timesteps);
      const noise = recordedNoise(c.noise);
      const restore = ddnmSampler({ degradation, y: Float64Array.from(c.y), sigmaY: c.sigma_y, resample: c.resample });
      const out = await restore(toyEpsModel(golden.alphas_cumprod, "v", samplerGolden.toy), Float64Array.from(c.x_init), c.timesteps, golden.alphas_cumprod, {
        clip: c.clip,
        eta: c.eta,
        noise: noise.source,
      });
      expect(noise.used()).toBe(c.noise.length);
      // Same formulas in float64 on both sides; only the order of a few roundings differs.
      expect(maxDiff(out, c.out)).toBeLessThan(1e-9);
    });
  }
});
