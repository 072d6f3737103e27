import { formatDuration } from "../restore-budget.ts";
import type { JobState } from "./useJob.ts";

interface ProgressProps {
  label: string;
  value: number;
  max: number;
  detail?: string;
}

export function Progress({ label, value, max, detail }: ProgressProps) {
  return (
    <div class="progress">
      <progress value={value} max={max} aria-label={label} />
      <span aria-live="polite">{detail ?? `${label}: ${value}/${max}`}</span>
    </div>
  );
}

interface JobProgressBarProps {
  label: string;
  state: JobState;
  /** What the network's work is counted in ("tiles"). */
  unit: string;
}

/** A running job: its step, the work done of the total, and the time left once some is done. */
export function JobProgressBar({ label, state, unit }: JobProgressBarProps) {
  const { step, steps, done, total, secondsLeft } = state;
  const work = `${Math.floor(done).toLocaleString("en")} of ${total.toLocaleString("en")} ${unit}`;
  // A job with work done but no steps at full size (colours chosen on a small copy) counts its work alone.
  const parts = done > 0 && steps === 0 ? [work] : [`Step ${step} of ${steps || "…"}`, work];
  if (secondsLeft !== null) parts.push(`${formatDuration(secondsLeft)} left`);
  return <Progress label={label} value={done} max={total || 1} detail={`${label}: ${parts.join(" · ")}`} />;
}
