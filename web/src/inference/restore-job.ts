/**
 * A restoration job as the page runs it, on any UNet (web/src/restore-plan.ts plans it): the worker
 * runs it on ORT-web, and `npm run bench:web` on onnxruntime-node, so both time the same tile batches.
 * The visitor's image is restored at its own size (times `upscale`), tile by tile: DDNM+ on the whole
 * canvas (or, when only painted pixels are lost, the windows around them), the unconditional prior on
 * tiles whose grid moves at every call.
 */
import type { Manifest } from "../api/models.ts";
import { guidedEpsModel, type UNet } from "../diffusion/guidance.ts";
import { crop, meanOfCandidates, photoProblem, restorePhoto, spreadOfCandidates } from "../diffusion/restore.ts";
import { createRng } from "../diffusion/rng.ts";
import type { EpsModel } from "../diffusion/samplers.ts";
import { randomOffsets } from "../diffusion/tiles.ts";
import { lostColour, memoryRefusal, plannedWork, tilesThroughUNet } from "../restore-plan.ts";
import type { JobProgress, RestoreParams } from "./protocol.ts";

/** Tiles per UNet pass: large enough to amortise a pass, small enough that the UNet's activations stay flat on any photo. */
export const TILE_BATCH = 32;

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
function tilePrior(unet: UNet, m: Manifest, onTiles: (tiles: number) => Promise<void>): EpsModel {
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
      const epsModel = guidedEpsModel(unet, { classLabels, guidance: 0, nullClass, alphasCumprod, prediction });
      eps.set(await epsModel(tiles.subarray(start * tileLength, end * tileLength), t), start * tileLength);
      await onTiles(end - start);
    }
    return eps;
  };
}

/** Restores `p.image`; `report` hears the work in tiles after every UNet pass and a preview after every step. */
export async function restoreImage(
  unet: UNet,
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
  // Work in tiles through the UNet, counted as they run (a grid that is not shifted runs fewer than planned).
  const steps = work.steps * (work.windows ?? 1);
  const progress: JobProgress = { step: 0, steps, done: 0, total: tilesThroughUNet(work), preview: null };
  const prior = tilePrior(unet, m, (tiles) => {
    progress.done = Math.min(progress.total, progress.done + tiles);
    return report({ ...progress, preview: null });
  });
  const combine = (batch: Float64Array) => (p.candidates > 1 ? meanOfCandidates(batch, p.candidates, channels * plane) : batch);
  // A preview is made at every step, of the whole photo: one pass into 32-bit floats for one candidate.
  const previewOf = (canvases: Float64Array) => {
    const [canvasHeight, canvasWidth] = [degradation.height, degradation.width];
    if (p.candidates > 1) return Float32Array.from(combine(crop(canvases, canvasHeight, canvasWidth, height, width)));
    return crop(canvases, canvasHeight, canvasWidth, height, width, new Float32Array(channels * plane));
  };
  const out = await restorePhoto(prior, problem, tile, alphasCumprod, {
    sigmaY: p.noise,
    steps: p.steps,
    resample: p.resample,
    candidates: p.candidates,
    eta: m.defaults.ddnm_eta,
    noise: rng.normal,
    offsets: randomOffsets(tile, rng.uniform),
    onStep: (step, steps, denoised) => {
      [progress.step, progress.steps] = [step + 1, steps];
      return report({ ...progress, preview: previewOf(denoised) });
    },
  });
  progress.done = progress.total;
  await report({ ...progress, preview: null });
  return { images: combine(out), spread: p.candidates > 1 ? spreadOfCandidates(out, p.candidates, channels, plane) : undefined };
}
