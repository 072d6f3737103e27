/**
 * Parity with model/diffusion/restore.py: replays test/fixtures/restore-golden.json (python -m model.golden),
 * where the "UNet" is the exact v-predictor of data ~ N(mean, std^2) (model/golden_cases/toy.py) and
 * every noise draw was recorded.
 */
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { estimateNoiseSigma } from "../../../web/src/diffusion/noise-level";
import { enlarge, type Kernel, shrink } from "../../../web/src/diffusion/resample";
import {
  Degradation,
  damage,
  ddnmSampler,
  onlyNoise,
  photoProblem,
  restorationTimesteps,
  restorePhoto,
  startNoise,
} from "../../../web/src/diffusion/restore";
import type { EpsModel } from "../../../web/src/diffusion/samplers";
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
interface PhotoCase {
  name: string;
  channels: number;
  height: number;
  width: number;
  tile: number;
  eta: number;
  known: number[] | null;
  downsample: 1 | 2 | 4;
  grayscale: boolean;
  sigma_y: number;
  resample: number;
  candidates: number;
  steps: number;
  timesteps: number[];
  photo: number[];
  canvas: [number, number];
  y: number[];
  filled: number[];
  only_noise: boolean;
  noise: number[][];
  offsets: [number, number][];
  out: number[];
}
interface Golden {
  alphas_cumprod: number[];
  cases: RestoreCase[];
  tile_mean_weight: number;
  photo_cases: PhotoCase[];
  noise_level: { channels: number; height: number; width: number; image: number[]; sigma: number };
  resample: { planes: number; height: number; width: number; image: number[]; enlarged: Record<string, number[]>; shrunk_by_3: number[] };
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
      const out = await restore(
        toyEpsModel(golden.alphas_cumprod, "v", samplerGolden.toy),
        Float64Array.from(c.x_init),
        c.timesteps,
        golden.alphas_cumprod,
        {
          clip: c.clip,
          eta: c.eta,
          noise: noise.source,
        },
      );
      expect(noise.used()).toBe(c.noise.length);
      // Same formulas in float64 on both sides; only the order of a few roundings differs.
      expect(maxDiff(out, c.out)).toBeLessThan(1e-9);
    });
  }
});

/** model/golden_cases/restore.py `tile_aware`: a real UNet sees its whole tile, so the toy adds each tile's mean. */
function tileAware(epsModel: EpsModel, tileLength: number, weight: number): EpsModel {
  return async (x, t) => {
    const eps = await epsModel(x, t);
    for (let start = 0; start < x.length; start += tileLength) {
      let sum = 0;
      for (let k = 0; k < tileLength; k++) sum += x[start + k];
      for (let k = 0; k < tileLength; k++) eps[start + k] += (weight * sum) / tileLength;
    }
    return eps;
  };
}

describe("photos restored tile by tile match the Python reference", () => {
  expect(golden.photo_cases.length).toBeGreaterThanOrEqual(3);
  for (const c of golden.photo_cases) {
    it(c.name, async () => {
      const { channels, tile } = c;
      const problem = photoProblem(Float64Array.from(c.photo), {
        channels,
        height: c.height,
        width: c.width,
        known: c.known ? Uint8Array.from(c.known) : null,
        downsample: c.downsample,
        grayscale: c.grayscale,
        tile,
      });
      const { degradation } = problem;
      expect([degradation.height, degradation.width]).toEqual(c.canvas);
      expect([problem.height, problem.width]).toEqual([c.downsample * c.height, c.downsample * c.width]);
      expect(maxDiff(problem.y, c.y)).toBeLessThan(1e-12);
      expect(maxDiff(problem.filled, c.filled)).toBe(0);
      expect(onlyNoise(problem.spec)).toBe(c.only_noise);

      let call = 0;
      const offsets = () => c.offsets[call++];
      const toy = tileAware(toyEpsModel(golden.alphas_cumprod, "v", samplerGolden.toy), channels * tile * tile, golden.tile_mean_weight);
      expect(restorationTimesteps(c.steps, golden.alphas_cumprod, startNoise(problem.spec, c.sigma_y))).toEqual(c.timesteps);
      const noise = recordedNoise(c.noise);
      const out = await restorePhoto(toy, problem, tile, golden.alphas_cumprod, {
        sigmaY: c.sigma_y,
        steps: c.steps,
        resample: c.resample,
        candidates: c.candidates,
        eta: c.eta,
        noise: noise.source,
        offsets,
      });
      expect(noise.used()).toBe(c.noise.length);
      expect(call).toBe(c.offsets.length);
      expect(maxDiff(out, c.out)).toBeLessThan(1e-9);
    });
  }
});

it("the noise-level estimate matches the Python reference", () => {
  const { image, channels, height, width, sigma } = golden.noise_level;
  expect(estimateNoiseSigma(image, channels, height, width)).toBeCloseTo(sigma, 12);
});

describe("resampling matches the Python reference", () => {
  const { height, width, image, enlarged, shrunk_by_3: shrunk } = golden.resample;
  expect(Object.keys(enlarged).length).toBe(4);
  for (const [name, expected] of Object.entries(enlarged)) {
    it(`enlarges: ${name}`, () => {
      const [kernel, factor] = name.split(" x") as [Kernel, string];
      expect(maxDiff(enlarge(Float64Array.from(image), height, width, Number(factor), kernel), expected)).toBeLessThan(1e-12);
    });
  }
  it("shrinks by block means, partial blocks repeating the edge", () => {
    expect(maxDiff(shrink(Float64Array.from(image), height, width, 3), shrunk)).toBeLessThan(1e-12);
  });
});
