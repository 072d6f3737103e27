/**
 * Gradient-free restoration with the generative prior (ORT in the browser has no autograd).
 *
 * A linear degradation y = A x (grayscale, then downsampling, then a mask of known pixels) and its
 * Moore-Penrose pseudo-inverse A+ give DDNM's range-null-space projection (Wang et al. 2023):
 * x0 <- x0 + lambda * A+ (y - A x0). With measurement noise sigma_y, lambda follows DDNM+ so the
 * projection never injects more noise than the current step can absorb; with `resample` > 1 each
 * step is re-noised and repeated, as RePaint's resampling (Lugmayr et al. 2022), so the generated
 * and known regions agree.
 */
import { fillLost } from "./fill.ts";
import { enlarge, shrink } from "./resample.ts";
import { ddimStep, denoise, type EpsModel, type NoiseSource, type Sampler, type SamplerOptions } from "./samplers.ts";
import { alphaAt, matchedTimestep, samplingTimesteps } from "./schedule.ts";
import { type Offsets, tiledEpsModel } from "./tiles.ts";

export interface DegradationSpec {
  /** One side of a square image, or [height, width]. */
  size: number | readonly [number, number];
  channels: number;
  /** Only the mean of the channels survives (lost colour). */
  grayscale?: boolean;
  /** Average-pooling factor (low resolution). */
  downsample?: 1 | 2 | 4;
  /** height*width, 1 where the pixel is known, 0 where it is lost (scratches, holes). */
  mask?: Uint8Array;
}

export class Degradation {
  readonly height: number;
  readonly width: number;
  readonly channels: number;
  readonly factor: number;
  readonly outChannels: number;
  readonly outHeight: number;
  readonly outWidth: number;
  /** The mask at the measured resolution: a low-resolution pixel is known only if its whole block is. */
  readonly known: Uint8Array;

  constructor(spec: DegradationSpec) {
    const { size, channels, grayscale = false, downsample = 1, mask } = spec;
    const [height, width] = typeof size === "number" ? [size, size] : size;
    if (height % downsample !== 0 || width % downsample !== 0) {
      throw new Error(`image size ${height}x${width} is not divisible by the downsampling factor ${downsample}`);
    }
    if (mask && mask.length !== height * width) throw new Error(`the mask has ${mask.length} pixels, expected ${height}x${width}`);
    this.height = height;
    this.width = width;
    this.channels = channels;
    this.factor = downsample;
    this.outChannels = grayscale ? 1 : channels;
    this.outHeight = height / downsample;
    this.outWidth = width / downsample;
    this.known = new Uint8Array(this.outHeight * this.outWidth).fill(1);
    if (mask) {
      for (let i = 0; i < height; i++) {
        for (let j = 0; j < width; j++) {
          if (!mask[i * width + j]) this.known[Math.floor(i / downsample) * this.outWidth + Math.floor(j / downsample)] = 0;
        }
      }
    }
  }

  get imageLength(): number {
    return this.channels * this.height * this.width;
  }

  get measurementLength(): number {
    return this.outChannels * this.outHeight * this.outWidth;
  }

  /** How much i.i.d. pixel noise of std 1 shrinks in the measurement (averaging over channels and blocks). */
  get noiseGain(): number {
    return 1 / Math.sqrt((this.channels / this.outChannels) * this.factor * this.factor);
  }

  /** y = A x, for a batch of images (NCHW). */
  apply(x: Float64Array): Float64Array {
    const batch = this.batchOf(x, this.imageLength);
    const y = new Float64Array(batch * this.measurementLength);
    const perValue = 1 / ((this.channels / this.outChannels) * this.factor * this.factor);
    this.forEachMeasured(batch, (xi, yi) => {
      y[yi] += perValue * x[xi];
    });
    return y;
  }

  /** A+ y: each measurement copied back to the pixels it averaged; lost pixels 0. */
  pinv(y: Float64Array): Float64Array {
    const batch = this.batchOf(y, this.measurementLength);
    const x = new Float64Array(batch * this.imageLength);
    this.forEachMeasured(batch, (xi, yi) => {
      x[xi] = y[yi];
    });
    return x;
  }

  /** Visits every (image value, measurement value) pair that A links: A and A+ walk the same pairs. */
  private forEachMeasured(batch: number, visit: (xi: number, yi: number) => void): void {
    const { height, width, factor, outWidth, outChannels, channels } = this;
    const outPlane = this.outHeight * outWidth;
    for (let b = 0; b < batch; b++) {
      for (let c = 0; c < channels; c++) {
        const oc = outChannels === 1 ? 0 : c;
        for (let i = 0; i < height; i++) {
          for (let j = 0; j < width; j++) {
            const low = Math.floor(i / factor) * outWidth + Math.floor(j / factor);
            if (this.known[low]) visit(((b * channels + c) * height + i) * width + j, (b * outChannels + oc) * outPlane + low);
          }
        }
      }
    }
  }

  /** x0 + lambda * A+ (y - A x0): the range-space part moves towards the measurement, the null space stays. */
  project(x0: Float64Array, y: Float64Array, lambda = 1): Float64Array {
    const ax = this.apply(x0);
    const correction = this.pinv(y.map((v, i) => v - ax[i]));
    return x0.map((v, i) => v + lambda * correction[i]);
  }

  private batchOf(values: Float64Array, per: number): number {
    if (values.length === 0 || values.length % per !== 0) {
      throw new Error(`expected a whole number of items of ${per} values, got ${values.length}`);
    }
    return values.length / per;
  }
}

/** What the visitor sees after damaging an image on purpose: A+ A x, plus pixel noise of std sigma. */
export function damage(clean: Float64Array, degradation: Degradation, sigma: number, noise: (n: number) => Float64Array): Float64Array {
  const damaged = degradation.pinv(degradation.apply(clean));
  if (sigma > 0) {
    const z = noise(damaged.length);
    for (let i = 0; i < damaged.length; i++) damaged[i] += sigma * z[i];
  }
  return damaged;
}

/**
 * [count * B] restorations, `count` consecutive ones per image, to their per-image mean. Each is a
 * posterior sample, whose expected squared error is twice the posterior mean's; the mean of K has
 * (1 + 1/K) times it: softer, but closer to the original on average.
 */
export function meanOfCandidates(candidates: Float64Array, count: number, imageLength: number): Float64Array {
  const group = count * imageLength;
  if (!Number.isInteger(count) || count < 1 || candidates.length === 0 || candidates.length % group !== 0) {
    throw new Error(`${candidates.length} values are not a whole number of groups of ${count} images of ${imageLength}`);
  }
  const mean = new Float64Array(candidates.length / count);
  for (let image = 0; image < mean.length / imageLength; image++) {
    const out = mean.subarray(image * imageLength, (image + 1) * imageLength);
    for (let k = 0; k < count; k++) {
      const start = (image * count + k) * imageLength;
      for (let j = 0; j < imageLength; j++) out[j] += candidates[start + j] / count;
    }
  }
  return mean;
}

export interface RestoreConfig {
  degradation: Degradation;
  /** The measurement y = A x + noise. */
  y: Float64Array;
  /** Std of the noise in y (0: noiseless, plain DDNM). */
  sigmaY?: number;
  /** Steps per timestep (RePaint resampling): 1 is plain DDNM. */
  resample?: number;
}

/**
 * DDNM(+) as a sampler: the same signature as sampleDdim, so the page runs restoration exactly as
 * it runs generation (its eta is the manifest's `defaults.ddnm_eta`).
 */
export function ddnmSampler(config: RestoreConfig): Sampler {
  const { degradation, y, sigmaY = 0, resample = 1 } = config;
  if (!Number.isInteger(resample) || resample < 1) throw new Error(`resample must be a positive integer, got ${resample}`);
  if (!(sigmaY >= 0)) throw new Error(`sigmaY must be >= 0, got ${sigmaY}`);

  return async (epsModel, x, timesteps, alphasCumprod, options = {}) => {
    const { clip = true, eta = 0, noise, callback } = options;
    for (let i = 0; i < timesteps.length; i++) {
      const t = timesteps[i];
      const aT = alphaAt(alphasCumprod, t);
      const aS = alphaAt(alphasCumprod, timesteps[i + 1]);
      // DDNM+: the projection adds sqrt(a_s) * lambda * sigma_y of noise to x_s, at most its whole noise std.
      // As in DDNM+, that noise is taken from the step's budget everywhere, not only in A's range.
      const lambda = sigmaY > 0 ? Math.min(1, Math.sqrt(1 - aS) / (Math.sqrt(aS) * sigmaY)) : 1;
      const spent = aS * (lambda * sigmaY) ** 2;
      const repeats = i + 1 < timesteps.length ? resample : 1;
      let xT = x;
      for (let r = 0; r < repeats; r++) {
        const { eps, x0 } = await denoise(epsModel, xT, t, aT, clip);
        const projected = degradation.project(x0, y, lambda);
        x = ddimStep(projected, eps, aT, aS, eta, noise, spent);
        if (r + 1 < repeats) xT = renoise(x, aT / aS, requireNoise(noise));
        else await callback?.({ i, t, x, denoised: projected });
      }
    }
    return x;
  };
}

/** q(x_t | x_s): back from a_s to a_t = ratio * a_s, with fresh noise. */
function renoise(x: Float64Array, ratio: number, noise: (n: number) => Float64Array): Float64Array {
  const z = noise(x.length);
  const keep = Math.sqrt(ratio);
  const add = Math.sqrt(1 - ratio);
  return x.map((v, i) => keep * v + add * z[i]);
}

function requireNoise<T>(noise: T | undefined): T {
  if (!noise) throw new Error("resampling needs a noise source");
  return noise;
}

/** A photo's restoration on a canvas of whole tiles: the operator, its measurement, the restored size. */
export interface PhotoProblem {
  degradation: Degradation;
  /** The measurement of one image: outChannels x (canvas height / factor) x (canvas width / factor). */
  y: Float64Array;
  /** The photo on the whole canvas (CHW), its padding copied from the nearest edge pixel. */
  filled: Float64Array;
  /** The restored photo: downsample x the photo's own size. */
  height: number;
  width: number;
  spec: PhotoSpec;
}

export interface PhotoSpec {
  channels: number;
  height: number;
  width: number;
  /** height*width, 1 where the photo's pixel is right; null: everywhere. */
  known: Uint8Array | null;
  downsample: 1 | 2 | 4;
  grayscale: boolean;
  tile: number;
}

type Wrong = Pick<PhotoSpec, "known" | "downsample" | "grayscale">;

/** Every pixel of the photo measured, in colour, at full size: only noise can be wrong with it. */
export const onlyNoise = ({ known, downsample, grayscale }: Wrong) =>
  downsample === 1 && !grayscale && (!known || known.every((v) => v === 1));

/** A noiseless photo at full size and in colour: only lost pixels can be wrong with it. */
export const onlyLost = ({ downsample, grayscale }: Wrong, sigmaY: number) => sigmaY === 0 && downsample === 1 && !grayscale;

/**
 * Inpainting a noiseless photo starts from its lost pixels' fill (fill.ts), noised to this level
 * relative to the signal, as Come-Closer-Diffuse-Faster (Chung et al. 2022) starts from a good guess
 * (model/diffusion/restore.py FILL_START_NOISE).
 */
export const FILL_START_NOISE = 0.3;
/** Super-resolution starts from the photo enlarged with Lanczos-3, noised to this level (UPSCALE_START_NOISE). */
export const UPSCALE_START_NOISE = 0.3;
/**
 * A visitor's small photo was shrunk by an antialiasing filter and saved as JPEG, not average-pooled:
 * the projection treats it as measured with this much noise (DDNM+) when enlarging (UPSCALE_MEASUREMENT_NOISE).
 */
export const UPSCALE_MEASUREMENT_NOISE = 0.05;

/** The noise std the projection assumes (`measurement_noise` in model/diffusion/restore.py). */
export const measurementNoise = ({ downsample }: Pick<PhotoSpec, "downsample">, sigmaY: number) =>
  downsample > 1 ? Math.max(sigmaY, UPSCALE_MEASUREMENT_NOISE) : sigmaY;

/**
 * The noise level, relative to the signal, a restoration starts at (`start_noise` in model/diffusion/restore.py;
 * null: pure noise, the top of the schedule): the photo's own when only noise is wrong, its Lanczos
 * enlargement's when it is enlarged, the fill's when only pixels are lost.
 */
export function startNoise(spec: Wrong, sigmaY: number): number | null {
  if (onlyNoise(spec) && sigmaY > 0) return sigmaY;
  if (spec.downsample > 1) return Math.max(UPSCALE_START_NOISE, sigmaY);
  return onlyLost(spec, sigmaY) ? FILL_START_NOISE : null;
}

/** A black-and-white photo with nothing else wrong (`only_colour_lost`): its luminance is kept, only colours are chosen. */
export const onlyColourLost = (spec: Wrong, sigmaY: number) =>
  spec.grayscale && spec.downsample === 1 && sigmaY === 0 && (!spec.known || spec.known.every((v) => v === 1));

/** The block side that shrinks a photo's shorter side to about one tile (at least 1): where colours are chosen. */
export const coarseFactor = (height: number, width: number, tile: number) => Math.max(1, Math.floor(Math.min(height, width) / tile));

/** The side rounded up to whole tiles. */
export const padded = (side: number, tile: number) => Math.ceil(side / tile) * tile;

/**
 * The photo (CHW) as the measurement of a (downsample * height) x (downsample * width) image, on a
 * canvas padded to whole tiles; the padding is simply unknown pixels to the projection.
 */
export function photoProblem(photo: ArrayLike<number>, spec: PhotoSpec): PhotoProblem {
  const { channels, height: h, width: w, known, downsample: f, tile } = spec;
  // A one-channel photo has no colour to lose.
  const grayscale = spec.grayscale && channels > 1;
  if (tile % f !== 0) throw new Error(`the tile (${tile}) is not divisible by the downsampling factor ${f}`);
  if (photo.length !== channels * h * w) throw new Error(`the photo has ${photo.length} values, expected ${channels}x${h}x${w}`);
  if (known && known.length !== h * w) throw new Error(`the mask has ${known.length} pixels, the photo is ${h}x${w}`);
  const [height, width] = [f * h, f * w];
  const [canvasHeight, canvasWidth] = [padded(height, tile), padded(width, tile)];
  // Each photo pixel, copied to the f x f pixels it measures (A+'s layout), and on into the padding.
  const mask = new Uint8Array(canvasHeight * canvasWidth);
  const filled = new Float64Array(channels * canvasHeight * canvasWidth);
  for (let i = 0; i < canvasHeight; i++) {
    for (let j = 0; j < canvasWidth; j++) {
      const source = Math.min(Math.floor(i / f), h - 1) * w + Math.min(Math.floor(j / f), w - 1);
      if (i < height && j < width) mask[i * canvasWidth + j] = known ? known[source] : 1;
      for (let c = 0; c < channels; c++) filled[(c * canvasHeight + i) * canvasWidth + j] = photo[c * h * w + source];
    }
  }
  const degradation = new Degradation({ size: [canvasHeight, canvasWidth], channels, grayscale, downsample: f, mask });
  return { degradation, y: degradation.apply(filled), filled, height, width, spec: { ...spec, grayscale } };
}

/** The timesteps from the one whose noise is `level` (null: the top) down, as densely as `steps` spans the whole schedule. */
export function restorationTimesteps(steps: number, alphasCumprod: ArrayLike<number>, level: number | null): number[] {
  if (level === null) return samplingTimesteps(steps, alphasCumprod);
  const start = matchedTimestep(alphasCumprod, level);
  const lam = (t: number) => 0.5 * Math.log(alphasCumprod[t] / (1 - alphasCumprod[t]));
  const share = (lam(0) - lam(start)) / (lam(0) - lam(alphasCumprod.length - 1));
  return samplingTimesteps(Math.min(start + 1, Math.max(1, Math.round(steps * share))), alphasCumprod, start);
}

/**
 * Where the reverse process begins for `candidates` images (`starting_point` in model/diffusion/restore.py):
 * pure noise at the top of the schedule; else the photo itself, which carries its own noise; else a
 * guess (the photo enlarged, or the fill of its lost pixels) with the noise of the first timestep added.
 */
export function startingPoint(
  problem: PhotoProblem,
  sigmaY: number,
  timesteps: readonly number[],
  alphasCumprod: ArrayLike<number>,
  candidates: number,
  noise: NoiseSource,
): Float64Array {
  const { degradation: d, filled } = problem;
  if (timesteps[0] === alphasCumprod.length - 1) return noise(candidates * d.imageLength);
  const a = alphasCumprod[timesteps[0]];
  const guess = onlyNoise(problem.spec) && sigmaY > 0 ? filled : firstGuess(problem);
  const z = guess === filled ? null : noise(candidates * d.imageLength);
  const x = new Float64Array(candidates * guess.length);
  for (let k = 0; k < candidates; k++) {
    for (let v = 0; v < guess.length; v++) {
      const at = k * guess.length + v;
      x[at] = Math.sqrt(a) * guess[v] + (z ? Math.sqrt(1 - a) * z[at] : 0);
    }
  }
  return x;
}

/**
 * The canvas a restoration that starts below the top is noised from (`first_guess`): the photo on its
 * measured grid (its padding an edge copy) with its lost pixels filled, enlarged with Lanczos-3 when the
 * restoration enlarges it.
 */
function firstGuess(problem: PhotoProblem): Float64Array {
  const { degradation: d, filled, spec } = problem;
  const [f, lowHeight, lowWidth] = [d.factor, d.outHeight, d.outWidth];
  const low = new Float64Array(d.channels * lowHeight * lowWidth);
  for (let c = 0; c < d.channels; c++) {
    for (let i = 0; i < lowHeight; i++) {
      for (let j = 0; j < lowWidth; j++) low[(c * lowHeight + i) * lowWidth + j] = filled[(c * d.height + i * f) * d.width + j * f];
    }
  }
  const known = lostOnCanvas(spec.known, spec.height, spec.width, lowHeight, lowWidth).map((v) => 1 - v);
  const guess = fillLost(low, known, lowHeight, lowWidth);
  return f > 1 ? enlarge(guess, lowHeight, lowWidth, f) : guess;
}

/**
 * The canvas pixels only the UNet can restore, when that is not all of them (`network_needed` in
 * model/diffusion/restore.py): in a noiseless photo at full size and in colour, its lost pixels.
 */
export function networkNeeded(problem: PhotoProblem, sigmaY: number): Uint8Array | null {
  const { degradation: d, spec } = problem;
  return onlyLost(spec, sigmaY) ? lostOnCanvas(spec.known, spec.height, spec.width, d.height, d.width) : null;
}

/** The photo's lost pixels (known 0) on a canvas of canvasHeight x canvasWidth; its padding is not lost. */
export function lostOnCanvas(
  known: Uint8Array | null,
  height: number,
  width: number,
  canvasHeight: number,
  canvasWidth: number,
): Uint8Array {
  const lost = new Uint8Array(canvasHeight * canvasWidth);
  if (known) for (let i = 0; i < height; i++) for (let j = 0; j < width; j++) lost[i * canvasWidth + j] = known[i * width + j] ? 0 : 1;
  return lost;
}

/** A noisy photo's projection cannot put a tile's shade right, so its first pass runs two tile grids (tiles.ts). */
export const twoGridsFirst = (sigmaY: number) => sigmaY > 0;

/** Canvas rows [top, bottom) and columns [left, right). */
export interface Box {
  top: number;
  bottom: number;
  left: number;
  right: number;
}

/** A task restored on windows of the canvas (`localProblems`): one window's problem, and where it lies on the canvas. */
export interface LocalProblem {
  window: PhotoProblem;
  top: number;
  left: number;
}

/**
 * A window's fixed cost (its own UNet calls at smaller batches, its fill, its previews), as window
 * area in tiles: two windows whose joint box is at most this much larger than both run as one.
 */
export const WINDOW_COST_TILES = 16;

/**
 * The windows a task whose lost pixels only the UNet can restore runs on (`local_windows` in
 * model/diffusion/restore.py), given those pixels (`needed`, on a canvas of whole tiles); null when
 * they would be the whole canvas. Each window is tile-aligned, so the tile grid stays the same, and a
 * tile wider than its lost pixels' tiles each side, so no tile clamped at its edge holds one: the same
 * tiles run, and everything outside them is the photo. Windows that overlap become one, as do windows
 * whose joint box costs little more (WINDOW_COST_TILES), so no tile runs twice.
 */
export function localWindows(needed: Uint8Array, height: number, width: number, tile: number): Box[] | null {
  const [rows, columns] = [height / tile, width / tile];
  const holdsNeeded = new Uint8Array(rows * columns);
  for (let i = 0; i < height; i++) {
    for (let j = 0; j < width; j++) if (needed[i * width + j]) holdsNeeded[Math.floor(i / tile) * columns + Math.floor(j / tile)] = 1;
  }
  const windows: Box[] = [];
  for (let r = 0; r < rows; r++) {
    for (let c = 0; c < columns; c++) {
      if (!holdsNeeded[r * columns + c]) continue;
      let box = { top: Math.max(0, r - 1), bottom: Math.min(rows, r + 2), left: Math.max(0, c - 1), right: Math.min(columns, c + 2) };
      // Kept windows never join each other; the box takes every one it joins, then looks again, grown.
      for (let joining = windows.filter((w) => join(w, box)); joining.length > 0; joining = windows.filter((w) => join(w, box))) {
        for (const w of joining) {
          box = joint(box, w);
          windows.splice(windows.indexOf(w), 1);
        }
      }
      windows.push(box);
    }
  }
  if (windows.length === 0 || (windows.length === 1 && area(windows[0]) === rows * columns)) return null;
  return windows.map((w) => ({ top: w.top * tile, bottom: w.bottom * tile, left: w.left * tile, right: w.right * tile }));
}

const area = (b: Box) => (b.bottom - b.top) * (b.right - b.left);
const joint = (a: Box, b: Box): Box => ({
  top: Math.min(a.top, b.top),
  bottom: Math.max(a.bottom, b.bottom),
  left: Math.min(a.left, b.left),
  right: Math.max(a.right, b.right),
});
const overlap = (a: Box, b: Box) => a.top < b.bottom && b.top < a.bottom && a.left < b.right && b.left < a.right;
/** Whether two windows (in tiles) run as one. */
const join = (a: Box, b: Box) => overlap(a, b) || area(joint(a, b)) <= area(a) + area(b) + WINDOW_COST_TILES;

/**
 * A task that only the UNet's tiles around its lost pixels can change, as the restorations of the
 * windows around them (`localWindows`), when they are less than the whole canvas (`local_problems`
 * in model/diffusion/restore.py). Removing an object from a large photo then spends its per-step work
 * (noise, projection, step) on the windows, not the whole canvas.
 */
export function localProblems(problem: PhotoProblem, sigmaY: number, tile: number): LocalProblem[] | null {
  const needed = networkNeeded(problem, sigmaY);
  if (!needed) return null;
  const { channels, height: canvasHeight, width: canvasWidth } = problem.degradation;
  const windows = localWindows(needed, canvasHeight, canvasWidth, tile);
  if (!windows) return null;
  const wasKnown = problem.spec.known!; // a task with lost pixels has a mask
  return windows.map(({ top, bottom, left, right }) => {
    const [height, width] = [Math.min(bottom, problem.height) - top, Math.min(right, problem.width) - left];
    const photo = new Float64Array(channels * height * width);
    const known = new Uint8Array(height * width);
    for (let i = 0; i < height; i++) {
      for (let c = 0; c < channels; c++) {
        const from = (c * canvasHeight + top + i) * canvasWidth + left;
        photo.set(problem.filled.subarray(from, from + width), (c * height + i) * width);
      }
      const from = (top + i) * problem.width + left;
      known.set(wasKnown.subarray(from, from + width), i * width);
    }
    return { window: photoProblem(photo, { ...problem.spec, height, width, known }), top, left };
  });
}

/**
 * The noise in x_t if x_0 were the photo as it is (its padding a copy of its edge), for any number
 * of candidates: the prediction wherever the UNet is not needed.
 */
export function knownEps(problem: PhotoProblem, alphasCumprod: ArrayLike<number>): EpsModel {
  const { filled } = problem;
  return async (x, t) => {
    const a = alphaAt(alphasCumprod, t);
    const [keep, scale] = [Math.sqrt(a), 1 / Math.sqrt(1 - a)];
    return x.map((v, i) => (v - keep * filled[i % filled.length]) * scale);
  };
}

/** `count` copies of `image`, one after another. */
function repeated(image: Float64Array, count: number): Float64Array {
  const out = new Float64Array(count * image.length);
  for (let k = 0; k < count; k++) out.set(image, k * image.length);
  return out;
}

/**
 * Writes `patch` (planes of patchSize.height x patchSize.width) over `images` (as many planes of
 * size.height x size.width) at row `top`, column `left`, in place.
 */
function paste(
  images: Float64Array,
  size: { height: number; width: number },
  patch: Float64Array,
  patchSize: { height: number; width: number },
  top: number,
  left: number,
): Float64Array {
  const planes = patch.length / (patchSize.height * patchSize.width);
  for (let p = 0; p < planes; p++) {
    for (let i = 0; i < patchSize.height; i++) {
      const from = (p * patchSize.height + i) * patchSize.width;
      images.set(patch.subarray(from, from + patchSize.width), (p * size.height + top + i) * size.width + left);
    }
  }
  return images;
}

/**
 * The top-left height x width of every plane (channel of an image) in a batch of canvases, into `out`
 * when given (a Float32Array takes a preview in one pass, with no full-size copy between).
 */
export function crop<T extends Float32Array | Float64Array = Float64Array>(
  canvases: Float64Array,
  canvasHeight: number,
  canvasWidth: number,
  height: number,
  width: number,
  out?: T,
): T {
  const planes = canvases.length / (canvasHeight * canvasWidth);
  out ??= new Float64Array(planes * height * width) as T;
  for (let p = 0; p < planes; p++) {
    for (let i = 0; i < height; i++) {
      const start = (p * canvasHeight + i) * canvasWidth;
      out.set(canvases.subarray(start, start + width), (p * height + i) * width);
    }
  }
  return out;
}

/**
 * Where a restoration is unsure: for `count` candidates of each image (consecutive, as in
 * meanOfCandidates), each pixel's standard deviation across them, as the root mean square over channels.
 */
export function spreadOfCandidates(candidates: Float64Array, count: number, channels: number, plane: number): Float64Array {
  const mean = meanOfCandidates(candidates, count, channels * plane);
  const images = mean.length / (channels * plane);
  const spread = new Float64Array(images * plane);
  for (let image = 0; image < images; image++) {
    for (let k = 0; k < count; k++) {
      const start = (image * count + k) * channels * plane;
      for (let c = 0; c < channels; c++) {
        for (let p = 0; p < plane; p++) {
          const d = candidates[start + c * plane + p] - mean[(image * channels + c) * plane + p];
          spread[image * plane + p] += (d * d) / (count * channels);
        }
      }
    }
  }
  return spread.map(Math.sqrt);
}

export interface PhotoRestoreOptions {
  /** Std of the noise in the measurement, in [-1, 1] units (0: none). */
  sigmaY: number;
  steps: number;
  /** Repeats per step (RePaint resampling); 1 is plain DDNM. */
  resample: number;
  /** Restorations in one batch: the same measurement, different noise. */
  candidates: number;
  eta: number;
  noise: NoiseSource;
  /** Where each UNet pass's tile grid lies: randomOffsets on the page, recorded ones in the golden tests. */
  offsets: Offsets;
  /**
   * Hears every step's estimate of the restored canvas, every candidate's, at the whole canvas's size
   * (a buffer that may be reused: copy what is kept), with the step and the steps of the whole task
   * (windows run one after another).
   */
  onStep?: (step: number, steps: number, denoised: Float64Array) => Promise<void> | void;
}

/**
 * `candidates` restorations of a photo, tile by tile, as `restore_photo` in model/diffusion/restore.py:
 * DDNM+ on the whole canvas (or the windows around its lost pixels, `localProblems`), the prior on tiles
 * whose grid moves at every call, the result cropped to the restored size ([candidates, C, height,
 * width]); a photo that lost its colour then takes colours chosen on a coarse copy (`colourised`).
 */
export async function restorePhoto(
  tileEps: EpsModel,
  problem: PhotoProblem,
  tile: number,
  alphasCumprod: ArrayLike<number>,
  o: PhotoRestoreOptions,
): Promise<Float64Array> {
  const { degradation: d, spec } = problem;
  const locals = localProblems(problem, o.sigmaY, tile);
  let restored: Float64Array;
  if (onlyColourLost(spec, o.sigmaY) || locals) {
    // The photo as it is: its luminance before colouring, or all of it but the windows around its lost pixels.
    restored = repeated(crop(problem.filled, d.height, d.width, problem.height, problem.width), o.candidates);
    if (locals) await restoreWindows(tileEps, problem, locals, restored, tile, alphasCumprod, o);
  } else {
    restored = await diffusionRestore(tileEps, problem, tile, alphasCumprod, o);
  }
  return spec.grayscale ? colourised(tileEps, restored, problem.height, problem.width, tile, alphasCumprod, o) : restored;
}

/**
 * Restores each window in turn and writes it over `restored` (the photo, every candidate's copy). Each
 * window's calls take the grids the whole canvas's calls would, so the result is the whole canvas's.
 */
async function restoreWindows(
  tileEps: EpsModel,
  problem: PhotoProblem,
  locals: LocalProblem[],
  restored: Float64Array,
  tile: number,
  alphasCumprod: ArrayLike<number>,
  o: PhotoRestoreOptions,
): Promise<void> {
  const { degradation: d } = problem;
  const grids = replayed(o.offsets);
  const preview = o.onStep;
  // Each step's preview is a window's, written over one copy of the whole canvas (a large photo's
  // canvas is tens of MB: one copy, not one a step).
  const canvas = preview ? repeated(problem.filled, o.candidates) : null;
  for (const [k, { window, top, left }] of locals.entries()) {
    const onStep =
      preview && canvas
        ? (step: number, steps: number, denoised: Float64Array) =>
            // Every window runs the same steps: the task's are all of theirs, one window after another.
            preview(k * steps + step, locals.length * steps, paste(canvas, d, denoised, window.degradation, top, left))
        : undefined;
    const patch = await diffusionRestore(tileEps, window, tile, alphasCumprod, { ...o, offsets: grids(), onStep });
    paste(restored, { height: problem.height, width: problem.width }, patch, window, top, left);
    if (canvas) paste(canvas, d, patch, window, top, left); // later windows' previews show it done
  }
}

/** Fresh readers of one sequence of grids, drawn from `offsets` as the first reader needs them. */
function replayed(offsets: Offsets): () => Offsets {
  const drawn: (readonly [number, number])[] = [];
  return () => {
    let call = 0;
    return () => (drawn[call++] ??= offsets());
  };
}

/**
 * DDNM+ over the whole canvas from `startingPoint`, the prior on moving tiles; cropped to the restored
 * size (`diffusion_restore`). `measurements`: each candidate's own y (default: the photo's, for every one).
 */
async function diffusionRestore(
  tileEps: EpsModel,
  problem: PhotoProblem,
  tile: number,
  alphasCumprod: ArrayLike<number>,
  o: PhotoRestoreOptions,
  measurements?: Float64Array,
): Promise<Float64Array> {
  const { degradation } = problem;
  const timesteps = restorationTimesteps(o.steps, alphasCumprod, startNoise(problem.spec, o.sigmaY));
  const x = startingPoint(problem, o.sigmaY, timesteps, alphasCumprod, o.candidates, o.noise);
  const needed = networkNeeded(problem, o.sigmaY);
  const skip = needed ? { needed, fallback: knownEps(problem, alphasCumprod) } : undefined;
  const canvas = { channels: degradation.channels, height: degradation.height, width: degradation.width };
  const epsModel = tiledEpsModel(tileEps, canvas, tile, o.offsets, { skip, twoGridsFirst: twoGridsFirst(o.sigmaY) });
  const y = measurements ?? new Float64Array(o.candidates * problem.y.length);
  if (!measurements) for (let k = 0; k < o.candidates; k++) y.set(problem.y, k * problem.y.length);
  const sampler = ddnmSampler({ degradation, y, sigmaY: measurementNoise(problem.spec, o.sigmaY), resample: o.resample });
  const onStep = o.onStep;
  const callback: SamplerOptions["callback"] = onStep && (({ i, denoised }) => onStep(i, timesteps.length, denoised));
  const out = await sampler(epsModel, x, timesteps, alphasCumprod, { eta: o.eta, noise: o.noise, callback });
  return crop(out, degradation.height, degradation.width, problem.height, problem.width);
}

/**
 * Each image (CHW, one after another) as its luminance (the mean of its channels) plus the colours
 * (each channel's offset from that mean) of its own coarse colourisation, enlarged linearly (`colourised`):
 * a 32x32 prior colouring tile by tile picks colours per tile, so colours are chosen where it sees the
 * whole scene. The coarse copies are restored as one batch.
 */
async function colourised(
  tileEps: EpsModel,
  images: Float64Array,
  height: number,
  width: number,
  tile: number,
  alphasCumprod: ArrayLike<number>,
  o: PhotoRestoreOptions,
): Promise<Float64Array> {
  const plane = height * width;
  const count = o.candidates;
  const channels = images.length / (count * plane);
  const factor = coarseFactor(height, width, tile);
  const [smallHeight, smallWidth] = [Math.ceil(height / factor), Math.ceil(width / factor)];
  const luminance = new Float64Array(count * plane);
  for (let k = 0; k < count; k++) {
    for (let c = 0; c < channels; c++) {
      for (let p = 0; p < plane; p++) luminance[k * plane + p] += images[(k * channels + c) * plane + p] / channels;
    }
  }
  const small = shrink(luminance, height, width, factor);
  const smallPlane = smallHeight * smallWidth;
  const coarse = (k: number) => {
    const gray = new Float64Array(channels * smallPlane);
    for (let c = 0; c < channels; c++) gray.set(small.subarray(k * smallPlane, (k + 1) * smallPlane), c * smallPlane);
    return photoProblem(gray, { channels, height: smallHeight, width: smallWidth, known: null, downsample: 1, grayscale: true, tile });
  };
  const problems = Array.from({ length: count }, (_, k) => coarse(k));
  const y = new Float64Array(count * problems[0].y.length);
  for (const [k, problem] of problems.entries()) y.set(problem.y, k * problem.y.length);
  const colour = await diffusionRestore(tileEps, problems[0], tile, alphasCumprod, { ...o, sigmaY: 0, onStep: undefined }, y);
  const chroma = new Float64Array(colour.length);
  for (let k = 0; k < count; k++) {
    for (let p = 0; p < smallPlane; p++) {
      let mean = 0;
      for (let c = 0; c < channels; c++) mean += colour[(k * channels + c) * smallPlane + p] / channels;
      for (let c = 0; c < channels; c++) chroma[(k * channels + c) * smallPlane + p] = colour[(k * channels + c) * smallPlane + p] - mean;
    }
  }
  const enlarged = crop(
    enlarge(chroma, smallHeight, smallWidth, factor, "linear"),
    smallHeight * factor,
    smallWidth * factor,
    height,
    width,
  );
  const out = new Float64Array(images.length);
  for (let k = 0; k < count; k++) {
    for (let c = 0; c < channels; c++) {
      for (let p = 0; p < plane; p++)
        out[(k * channels + c) * plane + p] = luminance[k * plane + p] + enlarged[(k * channels + c) * plane + p];
    }
  }
  return out;
}
