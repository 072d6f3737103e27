/**
 * Planning a restoration, before any work: the timesteps it runs, its tiles per UNet pass, its
 * passes, the memory it would hold, why it cannot run as set, and how long it will take on this device
 * (the work in tiles through the UNet, the speed from timed calls). The page's form, the inference
 * worker (web/src/inference/restore-job.ts, which only runs jobs) and npm run bench:web all plan here.
 */
import type { Manifest } from "./api/models.ts";
import {
  coarseFactor,
  localWindows,
  lostOnCanvas,
  onlyColourLost,
  onlyLost,
  onlyNoise,
  padded,
  restorationTimesteps,
  startNoise,
  twoGridsFirst,
} from "./diffusion/restore.ts";
import { tileCount } from "./diffusion/tiles.ts";
import type { RestoreParams } from "./inference/protocol.ts";

/**
 * The most canvas pixels a job holds (all candidates together): each costs about 200 bytes across the
 * loop's float64 arrays, so this keeps a job under about 1 GB, e.g. a 1024x1024 photo with 4 candidates.
 */
export const MAX_RESTORE_PIXELS = 4 * 1024 * 1024;

type Planned = Pick<RestoreParams, "steps" | "noise" | "mask" | "upscale" | "grayscale">;

/** Colour is lost and the model has colour to give. */
export const lostColour = (m: Manifest, p: Planned) => p.grayscale && m.image.channels > 1;

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
  // The coarse copy is noiseless: one grid a call, the first included.
  const { perCall } = tileCount(padded(Math.ceil(height / factor), tile), padded(Math.ceil(width / factor), tile), tile);
  return p.candidates * unetPasses({ steps: p.steps, resample: p.resample }) * perCall;
}

type PlannedJob = Planned & Pick<RestoreParams, "height" | "width" | "candidates">;

/** The job's canvas, and the pixels only the UNet can restore when that is not all of them (`networkNeeded`). */
function canvasOf(m: Manifest, p: PlannedJob) {
  const tile = m.image.size;
  const [height, width] = [padded(p.upscale * p.height, tile), padded(p.upscale * p.width, tile)];
  const needed = onlyLost(wrongWith(m, p), p.noise) ? lostOnCanvas(p.mask, p.height, p.width, height, width) : undefined;
  return { height, width, needed };
}

/**
 * Tiles per UNet pass, all candidates together, and in the first pass (on two grids for a noisy
 * photo): every tile of the canvas, or, when only lost pixels are wrong, those that hold one (on the
 * grid shifted by half a tile, as most calls are).
 */
function plannedTiles(m: Manifest, p: PlannedJob, { height, width, needed }: ReturnType<typeof canvasOf>) {
  if (onlyColourLost(wrongWith(m, p), p.noise)) return { perCall: 0, firstCall: 0 };
  const { perCall, firstCall } = tileCount(height, width, m.image.size, { needed, twoGridsFirst: twoGridsFirst(p.noise) });
  return { perCall: p.candidates * perCall, firstCall: p.candidates * firstCall };
}

/** What a job costs: its tiles per call, the steps it really runs, its repeats per step, its windows. */
export function plannedWork(m: Manifest, p: PlannedJob & Pick<RestoreParams, "resample">): RestoreWork {
  const canvas = canvasOf(m, p);
  const tiles = plannedTiles(m, p, canvas);
  return {
    tilesPerCall: tiles.perCall,
    tilesFirstCall: tiles.firstCall,
    steps: plannedTimesteps(m, p).length,
    resample: p.resample,
    colourTiles: plannedColourTiles(m, p),
    windows: (canvas.needed && localWindows(canvas.needed, canvas.height, canvas.width, m.image.size)?.length) || 1,
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

/** Why a job cannot run as set, in words for the visitor; null when it can. */
export function cannotRun(manifest: Manifest, p: RestoreParams): string | null {
  if (!Number.isInteger(p.steps) || p.steps < 1 || p.steps > manifest.diffusion.timesteps)
    return `Steps must be a whole number from 1 to ${manifest.diffusion.timesteps}.`;
  if (!Number.isInteger(p.resample) || p.resample < 1 || !Number.isInteger(p.candidates) || p.candidates < 1)
    return "Resampling and Average of must be whole numbers from 1.";
  if (!p.mask && p.noise === 0 && p.upscale === 1 && !p.grayscale)
    return "Nothing is wrong with it yet: set its noise, paint what is lost, enlarge it or colourise it.";
  return memoryRefusal(manifest, p);
}

/** Longer than this, the page says so and asks for a second click: a phone must not start an hour's work unasked. */
export const LONG_JOB_SECONDS = 120;

/**
 * Estimates count UNet time alone and have come out up to a fifth short (npm run bench:web), so a
 * job estimated this close to the line is warned about too.
 */
export const WARN_ABOVE_SECONDS = 0.8 * LONG_JOB_SECONDS;

export interface RestoreWork {
  /** Tiles through the UNet in one pass (`plannedTiles`). */
  tilesPerCall: number;
  /** Tiles in the first pass, which for a noisy photo runs two grids half a tile apart (web/src/diffusion/tiles.ts). */
  tilesFirstCall: number;
  /** The steps the job really runs (`plannedTimesteps`). */
  steps: number;
  /** RePaint repeats per step; the last step is not repeated. */
  resample: number;
  /** Tiles the coarse colour passes run in all, when colour is lost (`plannedColourTiles`). */
  colourTiles?: number;
  /** Windows a local task restores one after another, each through every step (`localWindows`); 1 for the whole canvas. */
  windows?: number;
}

/** Measured UNet passes: `ms` (their median) for a batch of `batch` tiles. */
export interface DeviceSpeed {
  batch: number;
  ms: number;
}

/** The page times this many calls of this batch, after a warm-up, to estimate jobs. */
export const SPEED_BATCH = 16;
export const SPEED_RUNS = 3;

/** The speed from timed calls of SPEED_BATCH: their median, as one call alone wandered by half between measurements. */
export function speedFrom(ms: number[]): DeviceSpeed {
  return { batch: SPEED_BATCH, ms: [...ms].sort((a, b) => a - b)[Math.floor(ms.length / 2)] };
}

/** UNet passes in the whole job: `resample` per step, one for the last step. */
export function unetPasses({ steps, resample }: Pick<RestoreWork, "steps" | "resample">): number {
  return steps < 1 ? 0 : (steps - 1) * resample + 1;
}

/** Tiles the whole job puts through the UNet. */
export function tilesThroughUNet(work: RestoreWork): number {
  const passes = unetPasses(work);
  return (passes > 0 ? work.tilesFirstCall + (passes - 1) * work.tilesPerCall : 0) + (work.colourTiles ?? 0);
}

/** Seconds for the whole job, taking a call's time as proportional to its tiles (true enough at the batches photos need). */
export function estimateSeconds(work: RestoreWork, speed: DeviceSpeed): number {
  return (tilesThroughUNet(work) * speed.ms) / speed.batch / 1000;
}

/**
 * The most steps, at most `steps`, whose job fits in `seconds` (at least 1). `workFor` says what a
 * step count costs: a job that starts below the top of the schedule runs fewer steps than asked.
 */
export function stepsWithin(seconds: number, steps: number, workFor: (steps: number) => RestoreWork, speed: DeviceSpeed): number {
  for (let s = steps; s > 1; s--) if (estimateSeconds(workFor(s), speed) <= seconds) return s;
  return 1;
}
