/**
 * The samplers of model/diffusion.py in TypeScript, one function each with one signature:
 * `sampleX(epsModel, x, timesteps, alphasCumprod, options)`. The loop runs in float64; only the
 * network sees float32. The step after the last timestep lands on clean data (a = 1).
 */
import { alphaAt, epsToX0, x0ToEps } from "./schedule.ts";

/** The (guided) noise prediction at an integer timestep. Async: the network runs in ORT. */
export type EpsModel = (x: Float64Array, t: number) => Promise<Float64Array>;
/** `n` fresh standard normal draws (a seeded RNG, or recorded noise in the parity tests). */
export type NoiseSource = (n: number) => Float64Array;

export interface StepInfo {
  i: number;
  t: number;
  x: Float64Array;
  denoised: Float64Array;
}

export interface SamplerOptions {
  /** Clip the x0 estimate to the data range [-1, 1] and re-derive eps from it. */
  clip?: boolean;
  /** Needed by the stochastic samplers (DDPM, DDIM with eta > 0). */
  noise?: NoiseSource;
  /** DDIM's eta: 0 deterministic, 1 DDPM. */
  eta?: number;
  /** Progress and live previews; awaited, so it may post messages or yield. */
  callback?: (info: StepInfo) => void | Promise<void>;
}

export type Sampler = (
  epsModel: EpsModel,
  x: Float64Array,
  timesteps: readonly number[],
  alphasCumprod: ArrayLike<number>,
  options?: SamplerOptions,
) => Promise<Float64Array>;

/** (eps, x0) at timestep t; clipping x0 to the data range, then re-deriving eps to match. */
export async function denoise(epsModel: EpsModel, x: Float64Array, t: number, a: number, clip: boolean) {
  let eps = await epsModel(x, t);
  let x0 = epsToX0(x, eps, a);
  if (clip) {
    x0 = x0.map((v) => Math.min(1, Math.max(-1, v)));
    eps = x0ToEps(x, x0, a);
  }
  return { eps, x0 };
}

/**
 * One DDIM step from a_t to a_s (Song et al. 2021, eq. 12), shared with restoration. `spent` is
 * noise variance that x0 already carries into x_s (DDNM+'s noisy projection), taken out of the
 * fresh noise first, then out of the eps direction.
 */
export function ddimStep(
  x0: Float64Array,
  eps: Float64Array,
  aT: number,
  aS: number,
  eta: number,
  noise?: NoiseSource,
  spent = 0,
): Float64Array {
  const budget = Math.max(0, 1 - aS - spent);
  const sigma = Math.min(eta * Math.sqrt(((1 - aS) / (1 - aT)) * (1 - aT / aS)), Math.sqrt(budget));
  const c0 = Math.sqrt(aS);
  const c1 = Math.sqrt(Math.max(0, budget - sigma * sigma));
  const x = x0.map((v, i) => c0 * v + c1 * eps[i]);
  if (sigma > 0) {
    if (!noise) throw new Error("a stochastic step (eta > 0) needs a noise source");
    const z = noise(x.length);
    for (let i = 0; i < x.length; i++) x[i] += sigma * z[i];
  }
  return x;
}

/** DDIM (Song et al. 2021). eta = 0 is deterministic; eta = 1 is DDPM's ancestral sampler. */
export const sampleDdim: Sampler = async (epsModel, x, timesteps, alphasCumprod, options = {}) => {
  const { clip = true, eta = 0, noise, callback } = options;
  for (let i = 0; i < timesteps.length; i++) {
    const t = timesteps[i];
    const aT = alphaAt(alphasCumprod, t);
    const { eps, x0 } = await denoise(epsModel, x, t, aT, clip);
    x = ddimStep(x0, eps, aT, alphaAt(alphasCumprod, timesteps[i + 1]), eta, noise);
    await callback?.({ i, t, x, denoised: x0 });
  }
  return x;
};

/** DDPM ancestral sampling (Ho et al. 2020, Algorithm 2), respaced to the given timesteps. */
export const sampleDdpm: Sampler = (epsModel, x, timesteps, alphasCumprod, options = {}) =>
  sampleDdim(epsModel, x, timesteps, alphasCumprod, { ...options, eta: 1 });

/** DPM-Solver++(2M) (Lu et al. 2022, Algorithm 2): a deterministic second-order multistep solver in x0 form. */
export const sampleDpmpp2m: Sampler = async (epsModel, x, timesteps, alphasCumprod, options = {}) => {
  const { clip = true, callback } = options;
  let previous: { x0: Float64Array; h: number } | undefined;
  for (let i = 0; i < timesteps.length; i++) {
    const t = timesteps[i];
    const aT = alphaAt(alphasCumprod, t);
    const { x0 } = await denoise(epsModel, x, t, aT, clip);
    if (i + 1 === timesteps.length) {
      x = x0; // the last step lands on clean data: a first-order step to sigma = 0
    } else {
      const aS = alphaAt(alphasCumprod, timesteps[i + 1]);
      const h = 0.5 * (Math.log(aS / (1 - aS)) - Math.log(aT / (1 - aT))); // lambda_s - lambda_t
      let d = x0;
      if (previous) {
        const { x0: x0Prev, h: hPrev } = previous;
        const r = hPrev / h;
        d = x0.map((v, k) => (1 + 1 / (2 * r)) * v - (1 / (2 * r)) * x0Prev[k]);
      }
      const cx = Math.sqrt((1 - aS) / (1 - aT));
      const cd = -Math.sqrt(aS) * Math.expm1(-h);
      x = x.map((v, k) => cx * v + cd * d[k]);
      previous = { x0, h };
    }
    await callback?.({ i, t, x, denoised: x0 });
  }
  return x;
};

export const SAMPLERS = { ddpm: sampleDdpm, ddim: sampleDdim, dpmpp_2m: sampleDpmpp2m } as const;
export type SamplerName = keyof typeof SAMPLERS;
