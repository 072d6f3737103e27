/**
 * How long a restoration will take on this device, before it starts: the work (tiles through the
 * network) from the job's size and settings, the speed from timed network calls.
 */

/** Longer than this, the page says so and asks for a second click: a phone must not start an hour's work unasked. */
export const LONG_JOB_SECONDS = 120;

/**
 * Estimates count network time alone and have come out up to a fifth short (npm run bench:web), so a
 * job estimated this close to the line is warned about too.
 */
export const WARN_ABOVE_SECONDS = 0.8 * LONG_JOB_SECONDS;

export interface RestoreWork {
  /** Tiles through the network in one call (`plannedTilesPerCall`). */
  tilesPerCall: number;
  /** The steps the job really runs (`plannedTimesteps`). */
  steps: number;
  /** RePaint repeats per step; the last step is not repeated. */
  resample: number;
  /** Tiles the coarse colour passes run in all, when colour is lost (`plannedColourTiles`). */
  colourTiles?: number;
}

/** Measured network calls: `ms` (their median) for a batch of `batch` tiles. */
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

/** Network calls in the whole job: `resample` per step, one for the last step. */
export function networkCalls({ steps, resample }: Pick<RestoreWork, "steps" | "resample">): number {
  return steps < 1 ? 0 : (steps - 1) * resample + 1;
}

/** Tiles the whole job puts through the network. */
export function tilesThroughNetwork(work: RestoreWork): number {
  return networkCalls(work) * work.tilesPerCall + (work.colourTiles ?? 0);
}

/** Seconds for the whole job, taking a call's time as proportional to its tiles (true enough at the batches photos need). */
export function estimateSeconds(work: RestoreWork, speed: DeviceSpeed): number {
  return (tilesThroughNetwork(work) * speed.ms) / speed.batch / 1000;
}

/**
 * The most steps, at most `steps`, whose job fits in `seconds` (at least 1). `workFor` says what a
 * step count costs: a job that starts below the top of the schedule runs fewer steps than asked.
 */
export function stepsWithin(seconds: number, steps: number, workFor: (steps: number) => RestoreWork, speed: DeviceSpeed): number {
  for (let s = steps; s > 1; s--) if (estimateSeconds(workFor(s), speed) <= seconds) return s;
  return 1;
}

/** "about 40 s", "about 3 min", "about 1 h 20 min". */
export function formatDuration(seconds: number): string {
  if (seconds < 1) return "under a second";
  if (seconds < 90) return `about ${Math.round(seconds)} s`;
  const minutes = Math.round(seconds / 60);
  if (minutes < 60) return `about ${minutes} min`;
  return `about ${Math.floor(minutes / 60)} h ${minutes % 60} min`;
}
