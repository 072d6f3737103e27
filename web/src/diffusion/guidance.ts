/** Classifier-free guidance (Ho & Salimans 2022) around the ONNX UNet, as `guided_eps_model` in model/diffusion/guidance.py. */
import type { EpsModel } from "./samplers.ts";
import { alphaAt, outputToEps, type Prediction, sigmaOf } from "./schedule.ts";

/** One UNet pass, the ONNX model's interface: x float32[B,C,H,W], t float32[B], class_labels int32[B] → out float32[B,C,H,W]. */
export type UNet = (x: Float32Array, t: Float32Array, classLabels: Int32Array) => Promise<Float32Array>;

export interface GuidanceConfig {
  classLabels: Int32Array;
  /** 1: plain conditional; 0: unconditional; otherwise uncond + guidance * (cond - uncond). */
  guidance: number;
  /**
   * Guide only where lo < sigma <= hi (Kynkaanniemi et al. 2024); elsewhere the conditional pass
   * runs alone, one pass instead of two. Absent: guide at every step.
   */
  interval?: readonly [number, number];
  nullClass: number;
  alphasCumprod: ArrayLike<number>;
  prediction: Prediction;
}

/** Whether a guided step at noise level `sigma` runs both passes: inside the interval, or anywhere without one. */
export const guidesAt = (sigma: number, interval: readonly [number, number] | undefined) =>
  interval === undefined || (interval[0] < sigma && sigma <= interval[1]);

export function guidedEpsModel(unet: UNet, config: GuidanceConfig): EpsModel {
  const { classLabels: labels, guidance, interval, nullClass, alphasCumprod, prediction } = config;
  const batch = labels.length;
  const unconditional = new Int32Array(batch).fill(nullClass);
  const guided = guidance !== 1 && guidance !== 0 && labels.some((label) => label !== nullClass);
  // Both passes run as one batch of 2B: first the B conditional rows, then the B null-class rows.
  const bothLabels = concat(labels, unconditional);
  const onePassLabels = guidance === 0 ? unconditional : labels;

  return async (x, t) => {
    const sigma = sigmaOf(alphaAt(alphasCumprod, t));
    const twoPasses = guided && guidesAt(sigma, interval);
    const passLabels = twoPasses ? bothLabels : onePassLabels;
    const x32 = Float32Array.from(x);
    const rows = passLabels.length;
    const out = await unet(twoPasses ? concat(x32, x32) : x32, new Float32Array(rows).fill(t), passLabels);
    if (out.length !== rows * (x.length / batch)) {
      throw new Error(`the UNet returned ${out.length} values for ${rows} rows of ${x.length / batch}`);
    }
    let combined: Float64Array;
    if (twoPasses) {
      const half = x.length;
      combined = new Float64Array(half);
      for (let i = 0; i < half; i++) combined[i] = out[half + i] + guidance * (out[i] - out[half + i]);
    } else {
      combined = Float64Array.from(out);
    }
    return outputToEps(combined, x, alphaAt(alphasCumprod, t), prediction);
  };
}

function concat<T extends Float32Array | Int32Array>(a: T, b: T): T {
  const out = new (a.constructor as new (n: number) => T)(a.length + b.length);
  out.set(a);
  out.set(b, a.length);
  return out;
}
