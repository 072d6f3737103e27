import { describe, expect, it } from "vitest";
import {
  Degradation,
  type DegradationSpec,
  damage,
  ddnmSampler,
  localProblems,
  localWindows,
  meanOfCandidates,
  photoProblem,
  restorePhoto,
} from "../../../web/src/diffusion/restore";
import { createRng } from "../../../web/src/diffusion/rng";
import type { EpsModel } from "../../../web/src/diffusion/samplers";
import { samplingTimesteps } from "../../../web/src/diffusion/schedule";

const SIZE = 8;
const CHANNELS = 3;
const rng = createRng(1);

function holeMask(): Uint8Array {
  const mask = new Uint8Array(SIZE * SIZE).fill(1);
  for (let i = 2; i < 5; i++) for (let j = 1; j < 6; j++) mask[i * SIZE + j] = 0;
  return mask;
}

const SPECS: Record<string, DegradationSpec> = {
  identity: { size: SIZE, channels: CHANNELS },
  mask: { size: SIZE, channels: CHANNELS, mask: holeMask() },
  "downsample x2": { size: SIZE, channels: CHANNELS, downsample: 2 },
  "downsample x4": { size: SIZE, channels: CHANNELS, downsample: 4 },
  grayscale: { size: SIZE, channels: CHANNELS, grayscale: true },
  "grayscale + x2 + mask": { size: SIZE, channels: CHANNELS, grayscale: true, downsample: 2, mask: holeMask() },
};

// A 100-step cosine-like table.
const alphasCumprod = Array.from({ length: 100 }, (_, t) => Math.cos(((t + 1) / 101) * (Math.PI / 2)) ** 2 * 0.9999 + 1e-5);
const dot = (a: Float64Array, b: Float64Array) => a.reduce((s, v, i) => s + v * b[i], 0);
const maxDiff = (a: Float64Array, b: Float64Array) => a.reduce((m, v, i) => Math.max(m, Math.abs(v - b[i])), 0);

describe("Degradation: A and its pseudo-inverse A+", () => {
  for (const [name, spec] of Object.entries(SPECS)) {
    describe(name, () => {
      const A = new Degradation(spec);
      const batch = 2;
      const x = rng.normal(batch * A.imageLength);
      const u = rng.normal(batch * A.imageLength);
      const P = (v: Float64Array) => A.pinv(A.apply(v));

      it("A A+ A = A and A+ A A+ = A+", () => {
        expect(maxDiff(A.apply(P(x)), A.apply(x))).toBeLessThan(1e-12);
        const y = A.apply(x);
        expect(maxDiff(A.pinv(A.apply(A.pinv(y))), A.pinv(y))).toBeLessThan(1e-12);
      });

      it("A+ A is an orthogonal projection (idempotent, symmetric)", () => {
        expect(maxDiff(P(P(x)), P(x))).toBeLessThan(1e-12);
        expect(Math.abs(dot(P(u), x) - dot(u, P(x)))).toBeLessThan(1e-9);
      });

      it("projection makes x0 consistent with y and keeps its null-space part", () => {
        const y = A.apply(x);
        const projected = A.project(u, y);
        expect(maxDiff(A.apply(projected), y)).toBeLessThan(1e-12);
        const nullPart = (v: Float64Array) => v.map((value, i) => value - P(v)[i]);
        expect(maxDiff(nullPart(projected), nullPart(u))).toBeLessThan(1e-12);
      });
    });
  }

  it("inpainting keeps known pixels from y and the rest from x0, in every channel", () => {
    const A = new Degradation(SPECS.mask);
    const x = rng.normal(A.imageLength);
    const x0 = rng.normal(A.imageLength);
    const projected = A.project(x0, A.apply(x));
    const mask = SPECS.mask.mask!;
    for (const [i, v] of projected.entries()) expect(v).toBeCloseTo(mask[i % (SIZE * SIZE)] ? x[i] : x0[i], 12);
  });

  it("a low-resolution pixel is known only when its whole block is", () => {
    const mask = new Uint8Array(SIZE * SIZE).fill(1);
    mask[0] = 0; // one lost pixel in the top-left 2x2 block
    const A = new Degradation({ size: SIZE, channels: 1, downsample: 2, mask });
    const y = A.apply(new Float64Array(A.imageLength).fill(1));
    expect(y[0]).toBe(0);
    expect(y.slice(1).every((v) => v === 1)).toBe(true);
  });

  it("reports how much pixel noise is left in the measurement", () => {
    expect(new Degradation(SPECS.identity).noiseGain).toBe(1);
    expect(new Degradation(SPECS["grayscale + x2 + mask"]).noiseGain).toBeCloseTo(1 / Math.sqrt(12), 12);
  });

  it("damage keeps exactly what A measures, and adds the noise asked for", () => {
    const A = new Degradation(SPECS["grayscale + x2 + mask"]);
    const x = rng.normal(A.imageLength);
    expect(maxDiff(A.apply(damage(x, A, 0, rng.normal)), A.apply(x))).toBeLessThan(1e-12);
    const noisy = damage(x, A, 0.3, () => new Float64Array(A.imageLength).fill(1));
    expect(
      maxDiff(
        noisy,
        damage(x, A, 0, rng.normal).map((v) => v + 0.3),
      ),
    ).toBeLessThan(1e-12);
  });

  it("rejects shapes that do not fit", () => {
    expect(() => new Degradation({ size: 6, channels: 3, downsample: 4 })).toThrow(/not divisible/);
    expect(() => new Degradation({ size: 8, channels: 3, mask: new Uint8Array(10) })).toThrow(/mask has 10 pixels/);
    expect(() => new Degradation(SPECS.mask).apply(new Float64Array(5))).toThrow(/whole number of items of 192/);
  });
});

describe("ddnmSampler", () => {
  // The exact eps of data ~ N(0.8, 0.5^2) per value (model/golden_cases/toy.py).
  const toy: EpsModel = async (x, t) => {
    const a = alphasCumprod[t];
    return x.map((v) => (Math.sqrt(1 - a) * (v - Math.sqrt(a) * 0.8)) / (a * 0.25 + 1 - a));
  };
  const timesteps = samplingTimesteps(20, alphasCumprod);
  const draw = (seed: number) => createRng(seed).normal;
  /** DDNM's step noise (Wang et al. 2023), as the default model's manifest sets it: posterior samples, not one mean. */
  const DDNM_ETA = 0.85;

  it("inpaints: known pixels end exactly at the measurement, lost ones follow the prior", async () => {
    const mask = new Uint8Array(32 * 32).fill(1).map((_, i) => (i % 32 < 16 ? 1 : 0));
    const A = new Degradation({ size: 32, channels: 1, mask });
    const truth = createRng(5)
      .normal(A.imageLength)
      .map((v) => 0.8 + 0.5 * v);
    const y = A.apply(truth);
    const noise = draw(9);
    const out = await ddnmSampler({ degradation: A, y, resample: 2 })(toy, noise(A.imageLength), timesteps, alphasCumprod, {
      eta: DDNM_ETA,
      noise,
      clip: false,
    });
    expect(maxDiff(A.apply(out), y)).toBeLessThan(1e-9);
    const lost = Array.from(out).filter((_, i) => !mask[i]);
    const mean = lost.reduce((s, v) => s + v, 0) / lost.length;
    const std = Math.sqrt(lost.reduce((s, v) => s + (v - mean) ** 2, 0) / lost.length);
    expect(Math.abs(mean - 0.8)).toBeLessThan(0.1); // 512 values: s.e. of the mean 0.022
    expect(Math.abs(std - 0.5)).toBeLessThan(0.1);
  });

  it("denoises with the noise-aware projection: closer to the truth than the noisy input, not forced onto it", async () => {
    const A = new Degradation({ size: 32, channels: 1 });
    const truth = createRng(6)
      .normal(A.imageLength)
      .map((v) => 0.8 + 0.5 * v);
    const sigmaY = 1;
    const y = A.apply(truth).map((v, i) => v + sigmaY * createRng(7).normal(A.imageLength)[i]);
    const noise = draw(10);
    const out = await ddnmSampler({ degradation: A, y, sigmaY })(toy, noise(A.imageLength), timesteps, alphasCumprod, {
      eta: DDNM_ETA,
      noise,
      clip: false,
    });
    const mse = (a: Float64Array) => a.reduce((s, v, i) => s + (v - truth[i]) ** 2, 0) / a.length;
    // A posterior sample here has an expected MSE of 2 * 0.25 * 1 / 1.25 = 0.4; the noisy input has 1.
    expect(mse(out)).toBeLessThan(0.6);
    expect(mse(y)).toBeGreaterThan(0.85);
  });

  it("averages candidates towards the posterior mean", async () => {
    const A = new Degradation({ size: 32, channels: 1, downsample: 4 });
    const count = 8;
    const truth = createRng(5)
      .normal(A.imageLength)
      .map((v) => 0.8 + 0.5 * v);
    const y = A.apply(new Float64Array(count * A.imageLength).map((_, i) => truth[i % A.imageLength]));
    const noise = draw(11);
    const candidates = await ddnmSampler({ degradation: A, y })(toy, noise(count * A.imageLength), timesteps, alphasCumprod, {
      eta: DDNM_ETA,
      noise,
      clip: false,
    });
    const mse = (a: Float64Array) => a.reduce((s, v, i) => s + (v - truth[i]) ** 2, 0) / a.length;
    // i.i.d. pixels: the posterior mean is the block mean, with MSE 0.25 * 15/16 = 0.234 in expectation;
    // a posterior sample has twice that, the mean of 8 candidates 1.125 times.
    for (let k = 0; k < count; k++) expect(mse(candidates.subarray(k * A.imageLength, (k + 1) * A.imageLength))).toBeGreaterThan(0.3);
    expect(mse(meanOfCandidates(candidates, count, A.imageLength))).toBeLessThan(0.28);
    expect(meanOfCandidates(candidates, 1, A.imageLength)).toEqual(candidates);
    expect(() => meanOfCandidates(candidates, 3, A.imageLength)).toThrow(/groups of 3/);
  });

  it("asks for one extra noise draw per resampling", async () => {
    const A = new Degradation(SPECS.mask);
    let draws = 0;
    const noise = (n: number) => createRng(++draws).normal(n);
    await ddnmSampler({ degradation: A, y: A.apply(new Float64Array(A.imageLength)), resample: 3 })(
      toy,
      new Float64Array(A.imageLength),
      timesteps,
      alphasCumprod,
      { noise, eta: 0 },
    );
    // eta 0: no fresh noise in the steps; 2 re-noisings at each of the 19 steps before the last.
    expect(draws).toBe(2 * 19);
  });

  it("rejects bad settings", () => {
    const degradation = new Degradation(SPECS.identity);
    expect(() => ddnmSampler({ degradation, y: new Float64Array(1), resample: 0 })).toThrow(/resample/);
    expect(() => ddnmSampler({ degradation, y: new Float64Array(1), sigmaY: -1 })).toThrow(/sigmaY/);
  });
});

describe("a task that only lost pixels (restorePhoto)", () => {
  const [height, width, tile] = [30, 37, 8];
  const photo = Float64Array.from(createRng(5).normal(CHANNELS * height * width), (v) => Math.tanh(v));
  const known = new Uint8Array(height * width).fill(1);
  for (let i = 18; i < 21; i++) for (let j = 20; j < 24; j++) known[i * width + j] = 0;
  const problem = photoProblem(photo, { channels: CHANNELS, height, width, known, downsample: 1, grayscale: false, tile });

  it("runs on the tile-aligned window a tile wider than the tiles around them", () => {
    const [local] = localProblems(problem, 0, tile)!;
    expect([local.top, local.left, local.window.height, local.window.width]).toEqual([8, 8, 22, 24]);
    expect(localProblems(problem, 0.1, tile)).toBeNull(); // noise is wrong everywhere
  });

  it("runs a window for each group of lost pixels, one for those whose windows overlap or nearly touch", () => {
    const [canvasHeight, canvasWidth] = [48, 64]; // 6x8 tiles of 8
    const needed = new Uint8Array(canvasHeight * canvasWidth);
    const lose = (i: number, j: number) => (needed[i * canvasWidth + j] = 1);
    lose(4, 4);
    lose(20, 20); // tiles (0, 0) and (2, 2): their windows overlap
    lose(44, 60); // tile (5, 7): far from both
    const box = (top: number, bottom: number, left: number, right: number) => ({ top, bottom, left, right });
    expect(localWindows(needed, canvasHeight, canvasWidth, tile)).toEqual([box(0, 32, 0, 32), box(32, 48, 48, 64)]);
    lose(44, 4);
    lose(4, 60); // the other corners: every window joins
    expect(localWindows(needed, canvasHeight, canvasWidth, tile)).toBeNull();
    expect(localWindows(new Uint8Array(canvasHeight * canvasWidth), canvasHeight, canvasWidth, tile)).toBeNull();
  });

  it("lets a window take every window it joins before it grows, as model/diffusion/restore.py does", () => {
    // Tile (4, 15)'s window joins the one around tiles (1..2, 11) but, once grown by it, no longer the one
    // around tile (5, 11), which the first two alone do join: taken together, all become one.
    const [canvasHeight, canvasWidth] = [80, 160]; // 10x20 tiles of 8
    const needed = new Uint8Array(canvasHeight * canvasWidth);
    for (const [r, c] of [
      [1, 11],
      [2, 11],
      [4, 15],
      [5, 11],
    ])
      needed[(8 * r + 1) * canvasWidth + 8 * c + 1] = 1;
    expect(localWindows(needed, canvasHeight, canvasWidth, tile)).toEqual([{ top: 0, bottom: 56, left: 80, right: 136 }]);
  });

  it("keeps every known pixel, and previews the whole canvas at every step", async () => {
    const canvas = problem.degradation.height * problem.degradation.width;
    const previews: Float64Array[] = [];
    const tiles: number[] = [];
    const tileEps: EpsModel = async (x) => {
      tiles.push(x.length / (CHANNELS * tile * tile));
      return x.map((v) => 0.3 * v);
    };
    const out = await restorePhoto(tileEps, problem, tile, alphasCumprod, {
      sigmaY: 0,
      steps: 20,
      resample: 1,
      candidates: 2,
      eta: 0.85,
      noise: createRng(6).normal,
      offsets: () => [4, 4],
      onStep: (_, __, denoised) => {
        previews.push(denoised);
      },
    });
    expect(previews.length).toBeGreaterThan(0);
    for (const preview of previews) expect(preview.length).toBe(2 * CHANNELS * canvas);
    // On the grid shifted by (4, 4), two tiles hold a lost pixel (rows 12 and 20, column 20): per candidate, per pass.
    expect(new Set(tiles)).toEqual(new Set([2 * 2]));
    for (let k = 0; k < 2; k++) {
      for (let c = 0; c < CHANNELS; c++) {
        for (let p = 0; p < height * width; p++) {
          const [v, truth] = [out[(k * CHANNELS + c) * height * width + p], photo[c * height * width + p]];
          if (known[p]) expect(Math.abs(v - truth)).toBeLessThan(1e-12);
        }
      }
    }
  });
  it("restores distant holes on a window each, one after another, counting their steps as one task's", async () => {
    const [h, w] = [46, 61];
    const wide = Float64Array.from(createRng(7).normal(CHANNELS * h * w), (v) => Math.tanh(v));
    const holes = new Uint8Array(h * w).fill(1);
    for (const [i, j] of [
      [2, 2],
      [43, 58],
    ])
      holes[i * w + j] = 0;
    const twoHoles = photoProblem(wide, { channels: CHANNELS, height: h, width: w, known: holes, downsample: 1, grayscale: false, tile });
    expect(localProblems(twoHoles, 0, tile)!.map(({ top, left }) => [top, left])).toEqual([
      [0, 0],
      [32, 48],
    ]);
    const seen: [number, number][] = [];
    const out = await restorePhoto(async (x) => x.map((v) => 0.3 * v), twoHoles, tile, alphasCumprod, {
      ...{ sigmaY: 0, steps: 20, resample: 1, candidates: 1, eta: 0.85, noise: createRng(8).normal, offsets: () => [4, 4] },
      onStep: (step, steps, denoised) => {
        expect(denoised.length).toBe(CHANNELS * 48 * 64);
        seen.push([step, steps]);
      },
    });
    const steps = seen[0][1];
    expect(seen).toEqual(Array.from({ length: steps }, (_, step) => [step, steps]));
    expect(steps % 2).toBe(0); // the same steps for each window
    for (let p = 0; p < h * w; p++) {
      for (let c = 0; c < CHANNELS; c++) {
        const changed = Math.abs(out[c * h * w + p] - wide[c * h * w + p]) > 1e-12;
        expect(changed).toBe(holes[p] === 0);
      }
    }
  });
});
