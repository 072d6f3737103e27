/**
 * Noise-schedule maths shared by every sampler, mirroring model/diffusion/schedule.py. The schedule itself
 * is never recomputed here: it is the manifest's `diffusion.alphas_cumprod` table, where
 * x_t = sqrt(a_t) * x0 + sqrt(1 - a_t) * eps.
 */
/** What the UNet predicts, as model/diffusion/schedule.py allows it (DiffusionConfig.prediction). */
export type Prediction = "eps" | "v";

/** torch.linspace in float64: the first half counts up from start, the second down from end. */
function linspace(start: number, end: number, steps: number): number[] {
  if (steps === 1) return [start];
  const step = (end - start) / (steps - 1);
  return Array.from({ length: steps }, (_, i) => (i < steps / 2 ? start + i * step : end - (steps - 1 - i) * step));
}

/** EDM's sigma_max (Karras et al. 2022): above it an image is lost in the noise (model/diffusion/schedule.py SIGMA_MAX). */
export const SIGMA_MAX = 80;

/**
 * `steps` distinct integer timesteps from `start` (default T-1) down to 0, evenly spaced in log-SNR
 * (Lu et al. 2022); from a start above SIGMA_MAX, one step goes down to it and the rest are spaced
 * below it. Exactly as `sampling_timesteps` in model/diffusion/schedule.py.
 */
export function samplingTimesteps(steps: number, alphasCumprod: ArrayLike<number>, start = alphasCumprod.length - 1): number[] {
  const timesteps = alphasCumprod.length;
  if (!Number.isInteger(start) || start < 0 || start >= timesteps) {
    throw new Error(`start must be a timestep between 0 and ${timesteps - 1}, got ${start}`);
  }
  if (!Number.isInteger(steps) || steps < 1 || steps > start + 1) {
    throw new Error(`steps must be between 1 and ${start + 1}, got ${steps}`);
  }
  const lam = Array.from(alphasCumprod, (a) => 0.5 * Math.log(a / (1 - a)));
  const top = -Math.log(SIGMA_MAX);
  const targets = steps > 2 && lam[start] < top ? [lam[start], ...linspace(top, lam[0], steps - 1)] : linspace(lam[start], lam[0], steps);
  const chosen: number[] = [];
  targets.forEach((target, k) => {
    let nearest = 0;
    for (let j = 1; j < timesteps; j++) if (Math.abs(lam[j] - target) < Math.abs(lam[nearest] - target)) nearest = j;
    const highest = chosen.length > 0 ? chosen[chosen.length - 1] - 1 : start; // strictly decreasing...
    const lowest = steps - 1 - k; // ...leaving room for the steps still to come
    chosen.push(Math.min(Math.max(nearest, lowest), highest));
  });
  return chosen;
}

/** The timestep whose noise, relative to the signal, is `sigma` (model/diffusion/schedule.py `matched_timestep`). */
export function matchedTimestep(alphasCumprod: ArrayLike<number>, sigma: number): number {
  const target = 1 / (1 + sigma * sigma);
  let best = 0;
  for (let t = 1; t < alphasCumprod.length; t++) if (Math.abs(alphasCumprod[t] - target) < Math.abs(alphasCumprod[best] - target)) best = t;
  return best;
}

/** sigma = sqrt((1 - a) / a): the noise relative to the signal at signal fraction a. */
export function sigmaOf(a: number): number {
  return Math.sqrt((1 - a) / a);
}

/** The signal fraction a_t of an integer timestep; the step after the last one is clean data (a = 1). */
export function alphaAt(alphasCumprod: ArrayLike<number>, t: number | undefined): number {
  if (t === undefined) return 1;
  const a = alphasCumprod[t];
  if (a === undefined) throw new Error(`timestep ${t} is outside the schedule (0..${alphasCumprod.length - 1})`);
  return a;
}

/** The UNet's raw output turned into eps (v-prediction: Salimans & Ho 2022). */
export function outputToEps(out: Float64Array, x: Float64Array, a: number, prediction: Prediction): Float64Array {
  if (prediction === "eps") return out;
  const sa = Math.sqrt(a);
  const sb = Math.sqrt(1 - a);
  return out.map((v, i) => sb * x[i] + sa * v);
}

export function epsToX0(x: Float64Array, eps: Float64Array, a: number): Float64Array {
  const sa = Math.sqrt(a);
  const sb = Math.sqrt(1 - a);
  return x.map((xi, i) => (xi - sb * eps[i]) / sa);
}

export function x0ToEps(x: Float64Array, x0: Float64Array, a: number): Float64Array {
  const sa = Math.sqrt(a);
  const sb = Math.sqrt(1 - a);
  return x.map((xi, i) => (xi - sa * x0[i]) / sb);
}
