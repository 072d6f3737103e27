/** What every restoring form shows of its job: the run and cancel buttons, then progress or the error. */
import { JobProgressBar } from "./Progress.tsx";
import type { JobState } from "./useJob.ts";

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

/** A running job's progress in tiles, the line a cancelled one leaves (`keptPreview`: its last preview is on screen), or the error that ended it. */
export function RestoreStatus({ state, keptPreview = false }: { state: JobState; keptPreview?: boolean }) {
  return (
    <>
      {state.running && <JobProgressBar label="Restoring" state={state} unit="tiles" />}
      {state.cancelled && (
        <p role="status" data-testid="job-cancelled">
          Cancelled at step {state.step} of {state.steps} ({Math.floor(state.done).toLocaleString("en")} of{" "}
          {state.total.toLocaleString("en")} tiles){keptPreview ? ", its last preview kept below" : ""}. The button above starts it again.
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
