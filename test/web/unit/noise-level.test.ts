import { describe, expect, it } from "vitest";
import { estimateNoiseSigma } from "../../../web/src/diffusion/noise-level";
import { createRng } from "../../../web/src/diffusion/rng";

/** A smooth gradient with hard-edged discs: what a photo has besides noise. */
function scene(height: number, width: number): Float64Array {
  const image = new Float64Array(3 * height * width);
  for (let c = 0; c < 3; c++) {
    for (let i = 0; i < height; i++) {
      for (let j = 0; j < width; j++) {
        const disc =
          ((i - height / 2) ** 2 + (j - width / 3) ** 2 < (height / 4) ** 2 ? 0.6 : 0) -
          ((i - height / 3) ** 2 + (j - (2 * width) / 3) ** 2 < (height / 6) ** 2 ? 0.5 : 0);
        image[(c * height + i) * width + j] = -0.6 + (0.8 * i) / height + (0.3 * c * j) / width + disc;
      }
    }
  }
  return image;
}

/** Adds noise of `sigma255` levels and quantises to 8 bits, clipped, as a saved photo would be. */
function noisy(clean: Float64Array, sigma255: number, seed: number): Float64Array {
  const z = createRng(seed).normal(clean.length);
  return clean.map((v, i) => Math.round(Math.min(255, Math.max(0, (v + 1) * 127.5 + sigma255 * z[i]))) / 127.5 - 1);
}

describe("the noise-level estimate", () => {
  for (const sigma255 of [10, 25, 50]) {
    it(`is within 20% of the true sigma at ${sigma255}/255`, () => {
      const estimate = estimateNoiseSigma(noisy(scene(96, 128), sigma255, sigma255), 3, 96, 128) * 127.5;
      expect(Math.abs(estimate - sigma255) / sigma255).toBeLessThan(0.2);
    });
  }

  it("is near zero on a clean image, and refuses images smaller than 2x2", () => {
    expect(estimateNoiseSigma(noisy(scene(64, 64), 0, 0), 3, 64, 64) * 127.5).toBeLessThan(1);
    expect(() => estimateNoiseSigma([0, 0, 0], 3, 1, 1)).toThrow(/at least 2x2/);
  });
});
