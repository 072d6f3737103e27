/** Helpers for the golden tests: the toy UNet and the noise draws of model/golden_cases/ (toy.py, samplers.py, restore.py). */
import type { EpsModel } from "../../../web/src/diffusion/samplers";
import { outputToEps, type Prediction } from "../../../web/src/diffusion/schedule";

/** model/golden_cases/toy.py `toy_output`: what a perfect UNet outputs (eps or v) at timestep t for N(mean, std^2) data. */
export function toyEpsModel(alphasCumprod: number[], prediction: Prediction, toy: { mean: number; std: number }): EpsModel {
  const { mean, std } = toy;
  return async (x, t) => {
    const a = alphasCumprod[t];
    const eps = x.map((v) => (Math.sqrt(1 - a) * (v - Math.sqrt(a) * mean)) / (a * std * std + 1 - a));
    const out =
      prediction === "eps"
        ? eps
        : x.map((v, i) => {
            const x0 = (v - Math.sqrt(1 - a) * eps[i]) / Math.sqrt(a);
            return Math.sqrt(a) * eps[i] - Math.sqrt(1 - a) * x0;
          });
    return outputToEps(out, x, a, prediction);
  };
}

/** Hands out the recorded draws in order, and checks that the sampler asks for each one exactly. */
export function recordedNoise(draws: number[][]) {
  let used = 0;
  const source = (n: number) => {
    const draw = draws[used++];
    if (!draw || draw.length !== n) throw new Error(`noise draw ${used - 1}: asked for ${n} values, recorded ${draw?.length}`);
    return Float64Array.from(draw);
  };
  return { source, used: () => used };
}
