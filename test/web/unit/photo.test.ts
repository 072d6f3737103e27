/** A visitor's photo, read for restoring: size cap, transparency, black and white. */
import { describe, expect, it } from "vitest";
import { fitWithin, flattenOntoWhite, looksGrayscale, MAX_SIDE } from "../../../web/src/photo.ts";

describe("photo", () => {
  it("keeps a photo that fits, and scales a larger one to the long side, keeping its shape", () => {
    expect(fitWithin(451, 300, MAX_SIDE)).toEqual({ width: 451, height: 300 });
    expect(fitWithin(1024, 1024, MAX_SIDE)).toEqual({ width: 1024, height: 1024 });
    expect(fitWithin(10000, 10000, MAX_SIDE)).toEqual({ width: 1024, height: 1024 });
    expect(fitWithin(4032, 3024, MAX_SIDE)).toEqual({ width: 1024, height: 768 });
    expect(fitWithin(300, 9000, MAX_SIDE)).toEqual({ width: 34, height: 1024 });
    expect(fitWithin(20000, 1, MAX_SIDE)).toEqual({ width: 1024, height: 1 });
  });

  it("flattens transparent pixels onto white and says it did", () => {
    const rgba = Uint8ClampedArray.from([10, 20, 30, 255, 0, 0, 0, 0, 100, 0, 200, 128]);
    expect(flattenOntoWhite(rgba)).toBe(true);
    expect(Array.from(rgba)).toEqual([10, 20, 30, 255, 255, 255, 255, 255, 177, 127, 227, 255]);
    expect(flattenOntoWhite(Uint8ClampedArray.from([1, 2, 3, 255]))).toBe(false);
  });

  it("tells a black-and-white photo (with a JPEG's rounding) from a colour one", () => {
    const pixels = (n: number, colour: (p: number) => number[]) =>
      Uint8ClampedArray.from(Array.from({ length: n }, (_, p) => [...colour(p), 255]).flat());
    expect(looksGrayscale(pixels(5000, (p) => [p % 256, (p % 256) + 2, Math.max(0, (p % 256) - 1)]))).toBe(true);
    expect(looksGrayscale(pixels(5000, (p) => (p % 100 === 0 ? [200, 40, 40] : [90, 90, 90])))).toBe(false);
    // A few stray coloured pixels (a date stamp, dust) do not make a photo colourful.
    expect(looksGrayscale(pixels(5000, (p) => (p === 7 ? [255, 0, 0] : [90, 90, 90])))).toBe(true);
  });
});
