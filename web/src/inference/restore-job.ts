/**
 * A restoration job as the page runs it, on any network: the worker runs it on ORT-web, and
 * `npm run bench:web` on onnxruntime-node, so both time the same tile batches. The visitor's image
 * is restored at its own size (times `upscale`), tile by tile: DDNM+ on the whole canvas, the
 * unconditional prior on tiles whose grid moves at every call.
 */
import type { Manifest } from "../api/models.ts";
import { guidedEpsModel, type Network } from "../diffusion/guidance.ts";
import {
  coarseFactor,
  crop,
  lostOnCanvas,
  meanOfCandidates,
  onlyColourLost,
  onlyLost,
  onlyNoise,
  padded,
  photoProblem,
  restorationTimesteps,
  restorePhoto,
  spreadOfCandidates,
  startNoise,
} from "../diffusion/restore.ts";
import { createRng } from "../diffusion/rng.ts";
import type { EpsModel } from "../diffusion/samplers.ts";
import { randomOffsets, tileCount } from "../diffusion/tiles.ts";
import { networkCalls, type RestoreWork, tilesThroughNetwork } from "../restore-budget.ts";
import type { JobProgress, RestoreParams } from "./protocol.ts";

/** Tiles per network call: large enough to amortise a call, small enough that the network's activations stay flat on any photo. */
export const TILE_BATCH = 32;

/**
 * The most canvas pixels a job holds (all candidates together): each costs about 200 bytes across the
 * loop's float64 arrays, so this keeps a job under about 1 GB, e.g. a 1024x1024 photo with 4 candidates.
 */
export const MAX_RESTORE_PIXELS = 4 * 1024 * 1024;

export interface Restored {
  /** The restoration (the mean of the candidates when there are several), CHW of the restored size. */
  images: Float64Array;
  /** For several candidates: each pixel's standard deviation across them. */
  spread?: Float64Array;
}

/**
 * The unconditional prior (restoration should not push an image towards any one class) over any
 * number of model-sized tiles, TILE_BATCH at a time; `onTiles` hears each batch's size as it is done.
 */
function tilePrior(network: Network, m: Manifest, onTiles: (tiles: number) => Promise<void>): EpsModel {
  const { channels, size } = m.image;
  const { alphas_cumprod: alphasCumprod, prediction } = m.diffusion;
  const nullClass = m.classes.null_class;
  const tileLength = channels * size * size;
  return async (tiles, t) => {
    const count = tiles.length / tileLength;
    const eps = new Float64Array(tiles.length);
    for (let start = 0; start < count; start += TILE_BATCH) {
      const end = Math.min(count, start + TILE_BATCH);
      const classLabels = new Int32Array(end - start).fill(nullClass);
      const epsModel = guidedEpsModel(network, { classLabels, guidance: 0, nullClass, alphasCumprod, prediction });
      eps.set(await epsModel(tiles.subarray(start * tileLength, end * tileLength), t), start * tileLength);
      await onTiles(end - start);
    }
    return eps;
  };
}

type Planned = Pick<RestoreParams, "steps" | "noise" | "mask" | "upscale" | "grayscale">;

const lostColour = (m: Manifest, p: Planned) => p.grayscale && m.image.channels > 1;

/** What is wrong with the photo, as the restoration's maths reads it. */
const wrongWith = (m: Manifest, p: Planned) => ({ known: p.mask, downsample: p.upscale, grayscale: lostColour(m, p) });

/**
 * The timesteps a job runs at its own size: fewer when it starts from a guess (the photo's own noise,
 * its enlargement, the fill of its lost pixels); none when only colour is lost (colours are chosen coarse).
 */
export function plannedTimesteps(m: Manifest, p: Planned): number[] {
  const spec = wrongWith(m, p);
  if (onlyColourLost(spec, p.noise)) return [];
  return restorationTimesteps(p.steps, m.diffusion.alphas_cumprod, startNoise(spec, p.noise));
}

/**
 * Whether several restorations of this job can differ: a photo with only noise that needs a single step
 * from its own noise level draws no noise at all, so every restoration would be the same.
 */
export function candidatesDiffer(m: Manifest, p: Planned): boolean {
  const spec = wrongWith(m, p);
  return !(onlyNoise(spec) && p.noise > 0 && plannedTimesteps(m, p).length === 1);
}

/** Tiles the coarse colour passes run, all candidates together: each runs every step (and its repeats) on a copy about one tile high. */
export function plannedColourTiles(m: Manifest, p: Planned & Pick<RestoreParams, "height" | "width" | "candidates" | "resample">): number {
  if (!lostColour(m, p)) return 0;
  const tile = m.image.size;
  const [height, width] = [p.upscale * p.height, p.upscale * p.width];
  const factor = coarseFactor(height, width, tile);
  const tiles = tileCount(padded(Math.ceil(height / factor), tile), padded(Math.ceil(width / factor), tile), tile);
  return p.candidates * networkCalls({ steps: p.steps, resample: p.resample }) * tiles;
}

/**
 * Tiles per network call, all candidates together: every tile of the canvas, or, when only lost
 * pixels are wrong, those that hold one (on the grid shifted by half a tile, as most calls are).
 */
export function plannedTilesPerCall(m: Manifest, p: Planned & Pick<RestoreParams, "height" | "width" | "candidates">): number {
  const tile = m.image.size;
  const [canvasHeight, canvasWidth] = [padded(p.upscale * p.height, tile), padded(p.upscale * p.width, tile)];
  const spec = wrongWith(m, p);
  if (onlyColourLost(spec, p.noise)) return 0;
  const needed = onlyLost(spec, p.noise) ? lostOnCanvas(p.mask, p.height, p.width, canvasHeight, canvasWidth) : undefined;
  return p.candidates * tileCount(canvasHeight, canvasWidth, tile, needed);
}

/** What a job costs: its tiles per call, the steps it really runs, its repeats per step. */
export function plannedWork(m: Manifest, p: Parameters<typeof plannedTilesPerCall>[1] & Pick<RestoreParams, "resample">): RestoreWork {
  return {
    tilesPerCall: plannedTilesPerCall(m, p),
    steps: plannedTimesteps(m, p).length,
    resample: p.resample,
    colourTiles: plannedColourTiles(m, p),
  };
}

/** Why a job would hold too much memory (more than MAX_RESTORE_PIXELS), in words; null when it fits. */
export function memoryRefusal(m: Manifest, p: Pick<RestoreParams, "height" | "width" | "upscale" | "candidates">): string | null {
  const tile = m.image.size;
  const canvasPixels = padded(p.upscale * p.height, tile) * padded(p.upscale * p.width, tile);
  if (p.candidates * canvasPixels <= MAX_RESTORE_PIXELS) return null;
  const most = Math.floor(MAX_RESTORE_PIXELS / canvasPixels);
  return most >= 1
    ? `Averaging ${p.candidates} restorations of a ${p.upscale * p.width}×${p.upscale * p.height} result needs too much memory: average at most ${most}.`
    : `A ${p.upscale * p.width}×${p.upscale * p.height} result is too large to restore here: enlarge less, or use a smaller photo.`;
}

/** Restores `p.image`; `report` hears the work in tiles after every network call and a preview after every step. */
export async function restoreImage(
  network: Network,
  m: Manifest,
  p: RestoreParams,
  report: (progress: JobProgress) => Promise<void>,
): Promise<Restored> {
  const { channels, size: tile } = m.image;
  const { alphas_cumprod: alphasCumprod } = m.diffusion;
  if (!Number.isInteger(p.candidates) || p.candidates < 1) throw new Error(`candidates must be a positive integer, got ${p.candidates}`);
  // Checked before the canvas is built: an x4 of a large photo would allocate hundreds of MB first.
  const tooLarge = memoryRefusal(m, p);
  if (tooLarge) throw new Error(tooLarge);
  const problem = photoProblem(p.image, {
    channels,
    height: p.height,
    width: p.width,
    known: p.mask,
    downsample: p.upscale,
    grayscale: lostColour(m, p),
    tile,
  });
  const { degradation, height, width } = problem;
  const plane = height * width;
  const rng = createRng(p.seed);
  const work = plannedWork(m, p);
  // Work in tiles through the network, counted as they run (a grid that is not shifted runs fewer than planned).
  const progress: JobProgress = { step: 0, steps: work.steps, done: 0, total: tilesThroughNetwork(work), preview: null };
  const prior = tilePrior(network, m, (tiles) => {
    progress.done = Math.min(progress.total, progress.done + tiles);
    return report({ ...progress, preview: null });
  });
  const cropped = (batch: Float64Array) => crop(batch, degradation.height, degradation.width, height, width);
  const combine = (batch: Float64Array) => (p.candidates > 1 ? meanOfCandidates(batch, p.candidates, channels * plane) : batch);
  const out = await restorePhoto(prior, problem, tile, alphasCumprod, {
    sigmaY: p.noise,
    steps: p.steps,
    resample: p.resample,
    candidates: p.candidates,
    eta: m.defaults.ddnm_eta,
    noise: rng.normal,
    offsets: randomOffsets(tile, rng.uniform),
    callback: ({ i, denoised }) => {
      progress.step = i + 1;
      return report({ ...progress, preview: Float32Array.from(combine(cropped(denoised))) });
    },
  });
  progress.done = progress.total;
  await report({ ...progress, preview: null });
  return { images: combine(out), spread: p.candidates > 1 ? spreadOfCandidates(out, p.candidates, channels, plane) : undefined };
}
