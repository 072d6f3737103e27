/** The heat map of where a restoration is unsure. */
import { describe, expect, it } from "vitest";
import { heatColour, heatPixels, spreadCeiling } from "../../../web/src/heatmap.ts";

describe("heatmap", () => {
  it("runs from near-black to pale yellow, getting brighter all the way", () => {
    expect(heatColour(0)).toEqual([0, 0, 4]);
    expect(heatColour(1)).toEqual([252, 255, 164]);
    expect(heatColour(-1)).toEqual(heatColour(0));
    expect(heatColour(2)).toEqual(heatColour(1));
    const brightness = (t: number) => heatColour(t).reduce((a, b) => a + b);
    for (let t = 0; t < 1; t += 0.05) expect(brightness(t + 0.05)).toBeGreaterThan(brightness(t));
  });

  it("puts the 99th percentile at the top, so a few wild pixels do not wash out the rest", () => {
    const spread = Float32Array.from({ length: 1000 }, (_, i) => (i < 5 ? 1 : (i % 100) / 1000));
    expect(spreadCeiling(spread)).toBeCloseTo(0.099, 6);
    // A flat spread of zero still gives a usable scale of one level.
    expect(spreadCeiling(new Float32Array(10))).toBe(1 / 127.5);
  });

  it("makes opaque RGBA pixels", () => {
    const rgba = heatPixels(Float32Array.from([0, 0.5, 2]), 1);
    expect(Array.from(rgba.subarray(0, 4))).toEqual([0, 0, 4, 255]);
    expect(Array.from(rgba.subarray(8, 12))).toEqual([252, 255, 164, 255]);
  });
});
