import { useEffect, useState } from "preact/hooks";
import type { JobState } from "../hooks/useJob.ts";
import { formatTimeLeft } from "../shared/time-left.ts";

interface ProgressProps {
  label: string;
  value: number;
  max: number;
  detail?: string;
  /** The countdown: kept out of the live region, which would otherwise be read out every second. */
  timeLeft?: string;
}

export function Progress({ label, value, max, detail, timeLeft }: ProgressProps) {
  return (
    <div class="progress">
      <progress value={value} max={max} aria-label={label} />
      <span>
        <span aria-live="polite">{detail ?? `${label}: ${value}/${max}`}</span>
        {timeLeft && ` · ${timeLeft}`}
      </span>
    </div>
  );
}

interface JobProgressBarProps {
  label: string;
  state: JobState;
  /** What the UNet's work is counted in ("tiles"). */
  unit: string;
}

/** performance.now(), renewed every second: a countdown keeps moving between a long job's progress messages. */
function useSecondTick(): number {
  const [now, setNow] = useState(() => performance.now());
  useEffect(() => {
    const timer = setInterval(() => setNow(performance.now()), 1000);
    return () => clearInterval(timer);
  }, []);
  return now;
}

/** A running job: its step, the work done of the total, and the time left, counting down between its messages. */
export function JobProgressBar({ label, state, unit }: JobProgressBarProps) {
  const { step, steps, done, total, at } = state;
  const now = useSecondTick();
  const secondsLeft = state.secondsLeft === null ? null : Math.max(0, state.secondsLeft - Math.max(0, now - at) / 1000);
  const work = `${Math.floor(done).toLocaleString("en")} of ${total.toLocaleString("en")} ${unit}`;
  // A job with work done but no steps at full size (colours chosen on a small copy) counts its work alone.
  const parts = done > 0 && steps === 0 ? [work] : [`Step ${step} of ${steps || "…"}`, work];
  return (
    <Progress
      label={label}
      value={done}
      max={total || 1}
      detail={`${label}: ${parts.join(" · ")}`}
      timeLeft={secondsLeft === null ? undefined : formatTimeLeft(secondsLeft)}
    />
  );
}
