import { describe, expect, it } from "vitest";
import { guidedEpsModel, type UNet } from "../../../web/src/diffusion/guidance";

const NULL_CLASS = 4;
const alphasCumprod = [0.9, 0.5, 0.1];

/** A fake UNet whose output encodes the label of each row, and records every call. */
function labelUNet() {
  const calls: { rows: number; t: number[]; labels: number[] }[] = [];
  const unet: UNet = async (x, t, labels) => {
    calls.push({ rows: labels.length, t: Array.from(t), labels: Array.from(labels) });
    const per = x.length / labels.length;
    return x.map((v, i) => v + 10 * labels[Math.floor(i / per)]);
  };
  return { unet, calls };
}

describe("guidedEpsModel", () => {
  const x = Float64Array.from([1, 2, 3, 4]); // 2 rows of 2 values
  const classLabels = Int32Array.from([1, 2]);

  it("runs conditional and unconditional rows in one batch and mixes them as uncond + g (cond - uncond)", async () => {
    const { unet, calls } = labelUNet();
    const eps = await guidedEpsModel(unet, { classLabels, guidance: 3, nullClass: NULL_CLASS, alphasCumprod, prediction: "eps" })(x, 2);
    expect(calls).toEqual([{ rows: 4, t: [2, 2, 2, 2], labels: [1, 2, NULL_CLASS, NULL_CLASS] }]);
    // cond = x + 10 * label, uncond = x + 40: uncond + 3 (cond - uncond)
    expect(Array.from(eps)).toEqual([1 + 40 + 3 * (10 - 40), 2 + 40 + 3 * (10 - 40), 3 + 40 + 3 * (20 - 40), 4 + 40 + 3 * (20 - 40)]);
  });

  it("makes one plain pass for guidance 1 (conditional) and 0 (unconditional)", async () => {
    for (const [guidance, label] of [
      [1, [1, 2]],
      [0, [NULL_CLASS, NULL_CLASS]],
    ] as const) {
      const { unet, calls } = labelUNet();
      await guidedEpsModel(unet, { classLabels, guidance, nullClass: NULL_CLASS, alphasCumprod, prediction: "eps" })(x, 0);
      expect(calls).toEqual([{ rows: 2, t: [0, 0], labels: [...label] }]);
    }
  });

  it("guides only inside its noise interval, with one conditional pass outside it", async () => {
    // sigma = sqrt((1 - a) / a): 0.33 at t=0, 1 at t=1, 3 at t=2
    const { unet, calls } = labelUNet();
    const model = guidedEpsModel(unet, {
      classLabels,
      guidance: 3,
      interval: [0.5, 2],
      nullClass: NULL_CLASS,
      alphasCumprod,
      prediction: "eps",
    });
    const outside = await Promise.all([model(x, 0), model(x, 2)]);
    const inside = await model(x, 1);
    expect(calls.map((call) => call.labels)).toEqual([
      [1, 2],
      [1, 2],
      [1, 2, NULL_CLASS, NULL_CLASS],
    ]);
    for (const eps of outside) expect(Array.from(eps)).toEqual([11, 12, 23, 24]);
    expect(inside[0]).toBe(1 + 40 + 3 * (10 - 40));
  });

  it("converts v-prediction to eps with the timestep's a_t", async () => {
    const unet: UNet = async (input) => new Float32Array(input.length).fill(1); // v = 1
    const eps = await guidedEpsModel(unet, { classLabels, guidance: 1, nullClass: NULL_CLASS, alphasCumprod, prediction: "v" })(x, 1);
    const a = alphasCumprod[1];
    for (const [i, xi] of x.entries()) expect(eps[i]).toBeCloseTo(Math.sqrt(1 - a) * xi + Math.sqrt(a), 12);
  });

  it("says so when the UNet returns the wrong number of values", async () => {
    const unet: UNet = async () => new Float32Array(3);
    const model = guidedEpsModel(unet, { classLabels, guidance: 1, nullClass: NULL_CLASS, alphasCumprod, prediction: "eps" });
    await expect(model(x, 0)).rejects.toThrow(/returned 3 values for 2 rows of 2/);
  });
});
