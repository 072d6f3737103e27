/** A running job's time left: refined as its work is done, and said finely enough to move with it. */
import { formatDuration } from "./format.ts";

/**
 * Seconds left after `elapsed` seconds with `fraction` of the work done. The estimate made before the
 * start (`expected`) counts at first; the job's own rate takes over as work is done, fully after a
 * quarter, when the first calls' warm-up no longer skews it.
 */
export function secondsLeftOf(elapsed: number, fraction: number, expected: number | null): number | null {
  const byRate = fraction > 0 ? (elapsed * (1 - fraction)) / fraction : null;
  if (expected === null) return byRate;
  const byEstimate = Math.max(0, expected - elapsed);
  if (byRate === null) return byEstimate;
  const trust = Math.min(1, 4 * fraction);
  return trust * byRate + (1 - trust) * byEstimate;
}

/** A running job's time left, fine enough to move as the work does: "45 s left", "2 min 35 s left", "about 14 min left". */
export function formatTimeLeft(seconds: number): string {
  if (seconds < 1) return "almost done";
  if (seconds < 60) return `${Math.ceil(seconds)} s left`;
  if (seconds < 600) {
    const rounded = Math.ceil(seconds / 5) * 5;
    return `${Math.floor(rounded / 60)} min ${String(rounded % 60).padStart(2, "0")} s left`;
  }
  return `${formatDuration(seconds)} left`;
}
