import { describe, expect, it } from "vitest";
import { createRng } from "../../../web/src/diffusion/rng";

describe("createRng", () => {
  it("repeats exactly for the same seed, however the draws are split", () => {
    const whole = createRng(42).normal(101);
    const rng = createRng(42);
    const parts = [...rng.normal(40), ...rng.normal(61)];
    // An odd split point discards the second Box-Muller value, so compare only the first 40 exactly.
    expect(Array.from(whole.slice(0, 40))).toEqual(parts.slice(0, 40));
    expect(Array.from(createRng(42).normal(101))).toEqual(Array.from(whole));
  });

  it("gives different streams for different seeds, including seeds beyond 2^32", () => {
    const streams = [0, 1, 2, 2 ** 32, 2 ** 32 + 1, Number.MAX_SAFE_INTEGER].map((seed) => createRng(seed).normal(8).join());
    expect(new Set(streams).size).toBe(streams.length);
  });

  it("draws standard normals (mean, variance, tails) and uniforms in [0, 1)", () => {
    const n = 200_000;
    const z = createRng(7).normal(n);
    const mean = z.reduce((s, v) => s + v, 0) / n;
    const variance = z.reduce((s, v) => s + (v - mean) ** 2, 0) / n;
    const beyond2 = z.filter((v) => Math.abs(v) > 2).length / n;
    // Standard errors: mean 0.0022, variance 0.0032; P(|z| > 2) = 0.0455 with s.e. 0.0005.
    expect(Math.abs(mean)).toBeLessThan(0.01);
    expect(Math.abs(variance - 1)).toBeLessThan(0.015);
    expect(Math.abs(beyond2 - 0.0455)).toBeLessThan(0.0025);
    const rng = createRng(3);
    const u = Array.from({ length: 10_000 }, () => rng.uniform());
    expect(Math.min(...u)).toBeGreaterThanOrEqual(0);
    expect(Math.max(...u)).toBeLessThan(1);
    expect(u.filter((v) => v < 0.5).length / u.length).toBeCloseTo(0.5, 1);
  });

  it("rejects seeds that are not non-negative integers", () => {
    expect(() => createRng(-1)).toThrow(/non-negative integer/);
    expect(() => createRng(1.5)).toThrow(/non-negative integer/);
  });
});
