/**
 * How long a restoration will take on this device, before it starts: the work (tiles through the
 * network) from the job's size and settings, the speed from one measured network call.
 */

/** Longer than this, the page says so and asks for a second click: a phone must not start an hour's work unasked. */
export const LONG_JOB_SECONDS = 120;

export interface RestoreWork {
  /** The image as the visitor has it. */
  height: number;
  width: number;
  upscale: 1 | 2 | 4;
  /** The steps the job really runs (`plannedTimesteps`). */
  steps: number;
  /** RePaint repeats per step; the last step is not repeated. */
  resample: number;
  candidates: number;
}

/** One measured network call: `ms` for a batch of `batch` tiles. */
export interface DeviceSpeed {
  batch: number;
  ms: number;
}

/** Tiles in one network call: a grid shifted every call covers each side with one tile more than it needs, for each candidate. */
export function tilesPerCall(work: RestoreWork, tile: number): number {
  const across = (side: number) => Math.ceil((work.upscale * side) / tile) + 1;
  return across(work.height) * across(work.width) * work.candidates;
}

/** Network calls in the whole job: `resample` per step, one for the last step. */
export function networkCalls({ steps, resample }: Pick<RestoreWork, "steps" | "resample">): number {
  return steps < 1 ? 0 : (steps - 1) * resample + 1;
}

/** Seconds for the whole job, taking a call's time as proportional to its tiles (true enough at the batches photos need). */
export function estimateSeconds(work: RestoreWork, tile: number, speed: DeviceSpeed): number {
  return (networkCalls(work) * tilesPerCall(work, tile) * speed.ms) / speed.batch / 1000;
}

/** The most steps that fit in `seconds` with the other settings unchanged (at least 1). */
export function stepsWithin(seconds: number, work: RestoreWork, tile: number, speed: DeviceSpeed): number {
  const perCall = estimateSeconds({ ...work, steps: 1 }, tile, speed);
  const calls = Math.floor(seconds / perCall);
  return Math.max(1, Math.floor((calls - 1) / work.resample) + 1);
}

/** "about 40 s", "about 3 min", "about 1 h 20 min". */
export function formatDuration(seconds: number): string {
  if (seconds < 1) return "under a second";
  if (seconds < 90) return `about ${Math.round(seconds)} s`;
  const minutes = Math.round(seconds / 60);
  if (minutes < 60) return `about ${minutes} min`;
  return `about ${Math.floor(minutes / 60)} h ${minutes % 60} min`;
}
