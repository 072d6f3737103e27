/** What every restoring form shows of its job: the run and cancel buttons, then progress or the error. */

import type { JobState } from "../hooks/useJob.ts";
import { JobProgressBar } from "./Progress.tsx";

interface RunButtonsProps {
  label: string;
  disabled: boolean;
  running: boolean;
  onCancel: () => void;
}

export function RunButtons({ label, disabled, running, onCancel }: RunButtonsProps) {
  return (
    <div class="row wide">
      {/* One job at a time: a running job is cancelled, never silently restarted. */}
      <button type="submit" disabled={disabled || running}>
        {label}
      </button>
      <button type="button" onClick={onCancel} disabled={!running}>
        Cancel
      </button>
    </div>
  );
}

interface RestoreStatusProps {
  state: JobState;
  /** A cancelled job's last preview is on screen. */
  keptPreview?: boolean;
  /** Runs the form again, as set. */
  onRestart: () => void;
}

/** A running job's progress in tiles, the line a cancelled one leaves with a way to start again, or the error that ended it. */
export function RestoreStatus({ state, keptPreview = false, onRestart }: RestoreStatusProps) {
  return (
    <>
      {state.running && <JobProgressBar label="Restoring" state={state} unit="tiles" />}
      {state.cancelled && (
        <p role="status" data-testid="job-cancelled">
          Cancelled at step {state.step} of {state.steps} ({Math.floor(state.done).toLocaleString("en")} of{" "}
          {state.total.toLocaleString("en")} tiles){keptPreview ? ", its last preview kept below" : ""}.{" "}
          <button type="button" onClick={onRestart}>
            Start again
          </button>
        </p>
      )}
      {state.error && (
        <p role="alert" class="error">
          {state.error}
        </p>
      )}
    </>
  );
}
