import { describe, expect, it } from "vitest";
import { fillLost } from "../../../web/src/diffusion/fill";

const [HEIGHT, WIDTH] = [9, 13];
const known = Uint8Array.from({ length: HEIGHT * WIDTH }, (_, p) =>
  Math.floor(p / WIDTH) >= 2 && Math.floor(p / WIDTH) < 6 && p % WIDTH >= 3 && p % WIDTH < 9 ? 0 : 1,
);
const maxError = (a: Float64Array, b: Float64Array) => Math.max(...a.map((v, p) => Math.abs(v - b[p])));

describe("the fill of lost pixels (model/diffusion/fill.py's mirror)", () => {
  it("keeps known pixels and fills a flat image flat", () => {
    const flat = Float64Array.from(known, (k) => (k ? 0.25 : 0));
    expect(
      maxError(
        fillLost(flat, known, HEIGHT, WIDTH),
        flat.map(() => 0.25),
      ),
    ).toBeLessThan(1e-12);
  });

  it("fills a surface with no squared Laplacian exactly, where pull-push alone does not", () => {
    // A slope that keeps bending: its Laplacian is constant, so the biharmonic fill is the surface itself.
    const bowl = Float64Array.from({ length: 2 * HEIGHT * WIDTH }, (_, p) => {
      const x = -1 + (2 * (p % WIDTH)) / (WIDTH - 1);
      return x * x - 0.5 * x;
    });
    const damaged = bowl.map((v, p) => (known[p % (HEIGHT * WIDTH)] ? v : 0));
    const out = fillLost(damaged, known, HEIGHT, WIDTH, { iterations: 200, tolerance: 0 });
    for (const [p, k] of known.entries()) if (k) expect(out[p]).toBe(bowl[p]);
    expect(maxError(out, bowl)).toBeLessThan(1e-9);
    expect(maxError(fillLost(damaged, known, HEIGHT, WIDTH, { iterations: 0, tolerance: 0 }), bowl)).toBeGreaterThan(0.05);
    expect(maxError(fillLost(damaged, known, HEIGHT, WIDTH), bowl)).toBeLessThan(1e-3);
  });

  it("spreads a single known pixel everywhere", () => {
    const one = new Uint8Array(5 * 7);
    one[34] = 1;
    const x = new Float64Array(35);
    x[34] = 0.7;
    for (const iterations of [0, 20])
      expect(fillLost(x, one, 5, 7, { iterations, tolerance: 0 }).every((v) => Math.abs(v - 0.7) < 1e-12)).toBe(true);
  });
});
