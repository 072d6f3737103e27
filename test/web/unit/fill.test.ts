import { describe, expect, it } from "vitest";
import { fillLost, pullPush } from "../../../web/src/diffusion/fill";

const [HEIGHT, WIDTH] = [9, 13];
const known = Uint8Array.from({ length: HEIGHT * WIDTH }, (_, p) =>
  Math.floor(p / WIDTH) >= 2 && Math.floor(p / WIDTH) < 6 && p % WIDTH >= 3 && p % WIDTH < 9 ? 0 : 1,
);

describe("the fill of lost pixels (model/diffusion/fill.py's mirror)", () => {
  it("keeps known pixels and fills a flat image flat", () => {
    const flat = Float64Array.from(known, (k) => (k ? 0.25 : 0));
    expect(Math.max(...fillLost(flat, known, HEIGHT, WIDTH).map((v) => Math.abs(v - 0.25)))).toBeLessThan(1e-12);
  });

  it("stays within the known values and follows a ramp", () => {
    const ramp = Float64Array.from({ length: HEIGHT * WIDTH }, (_, p) => -1 + (2 * (p % WIDTH)) / (WIDTH - 1));
    const out = fillLost(
      ramp.map((v, p) => (known[p] ? v : 0)),
      known,
      HEIGHT,
      WIDTH,
    );
    for (const [p, k] of known.entries()) if (k) expect(out[p]).toBe(ramp[p]);
    expect(Math.max(...out.map((v, p) => Math.abs(v - ramp[p])))).toBeLessThan(0.15);
  });

  it("spreads a single known pixel everywhere", () => {
    const one = new Uint8Array(5 * 7);
    one[34] = 1;
    const x = new Float64Array(35);
    x[34] = 0.7;
    expect(pullPush(x, one, 5, 7).every((v) => Math.abs(v - 0.7) < 1e-12)).toBe(true);
  });
});
