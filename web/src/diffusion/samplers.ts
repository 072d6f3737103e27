/**
 * The samplers of model/diffusion/samplers.py in TypeScript, one function each with one signature:
 * `sampleX(epsModel, x, timesteps, alphasCumprod, options)`. The loop runs in float64; only the
 * UNet sees float32. The step after the last timestep lands on clean data (a = 1).
 */
import { alphaAt, epsToX0, x0ToEps } from "./schedule.ts";

/** The (guided) noise prediction at an integer timestep. Async: the UNet runs in ORT. */
export type EpsModel = (x: Float64Array, t: number) => Promise<Float64Array>;
/** `n` fresh standard normal draws (a seeded RNG, or recorded noise in the golden tests). */
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

/** DPM-Solver++ of `order` with the common sampler signature (`multistep_sampler` in model/diffusion/samplers.py). */
const multistepSampler =
  (order: number): Sampler =>
  (epsModel, x, timesteps, alphasCumprod, options = {}) =>
    dpmSolverMultistep(epsModel, x, timesteps, alphasCumprod, order, options);

/** DPM-Solver++(2M) (Lu et al. 2022, Algorithm 2): a deterministic second-order multistep solver in x0 form. */
export const sampleDpmpp2m = multistepSampler(2);
/** DPM-Solver++(3M) (Lu et al. 2022, the third-order multistep update of their reference code). */
export const sampleDpmpp3m = multistepSampler(3);

/**
 * DPM-Solver++ multistep of up to `order`, in x0 form, as `dpm_solver_multistep` in model/diffusion/samplers.py:
 * the first steps, and the last ones ("lower order final"), use a lower order; the step to sigma = 0
 * lands on x0.
 */
async function dpmSolverMultistep(
  epsModel: EpsModel,
  x: Float64Array,
  timesteps: readonly number[],
  alphasCumprod: ArrayLike<number>,
  order: number,
  options: SamplerOptions,
): Promise<Float64Array> {
  const { clip = true, callback } = options;
  let history: Prediction[] = []; // the latest x0 predictions and their lambdas, latest last
  for (let i = 0; i < timesteps.length; i++) {
    const t = timesteps[i];
    const aT = alphaAt(alphasCumprod, t);
    const { x0 } = await denoise(epsModel, x, t, aT, clip);
    history = [...history, { x0, lambda: logSnr(aT) }].slice(-Math.min(order, timesteps.length - i));
    if (i + 1 === timesteps.length) {
      x = x0;
    } else {
      const aS = alphaAt(alphasCumprod, timesteps[i + 1]);
      const update = multistepX0(history, logSnr(aS));
      const cx = Math.sqrt((1 - aS) / (1 - aT));
      const cd = Math.sqrt(aS);
      x = x.map((v, k) => cx * v + cd * update[k]);
    }
    await callback?.({ i, t, x, denoised: x0 });
  }
  return x;
}

interface Prediction {
  x0: Float64Array;
  lambda: number;
}

/** lambda = log(alpha / sigma) = 0.5 * log(a / (1 - a)). */
const logSnr = (a: number) => 0.5 * Math.log(a / (1 - a));

/**
 * -(phi_1 m0 - phi_2 D1 + phi_3 D2) of DPM-Solver++'s first, second or third-order update to lambdaS
 * (`multistep_x0` in model/diffusion/samplers.py): m0 is the latest x0, D1 and D2 its divided differences.
 */
function multistepX0(history: Prediction[], lambdaS: number): Float64Array {
  const { x0: m0, lambda: lambda0 } = history[history.length - 1];
  const h = lambdaS - lambda0;
  const phi1 = Math.expm1(-h);
  if (history.length === 1) return m0.map((v) => -phi1 * v);
  const { x0: m1, lambda: lambda1 } = history[history.length - 2];
  const r0 = (lambda0 - lambda1) / h;
  if (history.length === 2) return m0.map((v, k) => -phi1 * v - 0.5 * phi1 * ((v - m1[k]) / r0));
  const { x0: m2, lambda: lambda2 } = history[history.length - 3];
  const r1 = (lambda1 - lambda2) / h;
  const phi2 = phi1 / h + 1;
  const phi3 = phi2 / h - 0.5;
  return m0.map((v, k) => {
    const d10 = (v - m1[k]) / r0;
    const d11 = (m1[k] - m2[k]) / r1;
    const d1 = d10 + (r0 / (r0 + r1)) * (d10 - d11);
    const d2 = (d10 - d11) / (r0 + r1);
    return -phi1 * v + phi2 * d1 - phi3 * d2;
  });
}

export const SAMPLERS = { ddpm: sampleDdpm, ddim: sampleDdim, dpmpp_2m: sampleDpmpp2m, dpmpp_3m: sampleDpmpp3m } as const;
export type SamplerName = keyof typeof SAMPLERS;
