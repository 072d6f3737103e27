/** Runs one worker job at a time for a panel: progress, time left, live preview, cancel, result or error. */
import { useRef, useState } from "preact/hooks";
import type { JobOptions, JobResult } from "../inference/client.ts";

export interface JobState {
  running: boolean;
  step: number;
  steps: number;
  /** The network's work done of the total (tiles or images), for progress within a step. */
  done: number;
  total: number;
  /** Seconds left, extrapolated from the work done so far (null until some is done). */
  secondsLeft: number | null;
  /** The latest step's estimate of the result; it stays until the next step's, and after a cancel. */
  preview: Float32Array | null;
  /** The last job was cancelled (its progress and preview are where it stopped). */
  cancelled: boolean;
  error: string | null;
}

const IDLE: JobState = {
  running: false,
  step: 0,
  steps: 0,
  done: 0,
  total: 0,
  secondsLeft: null,
  preview: null,
  cancelled: false,
  error: null,
};

export function useJob() {
  const [state, setState] = useState<JobState>(IDLE);
  const current = useRef<AbortController | null>(null);

  /**
   * Starts a job, aborting the one still running: only the latest job updates the state, and a
   * superseded or cancelled job resolves to null, so its result can never be shown as the new one's.
   */
  async function run(start: (options: Required<JobOptions>) => Promise<JobResult>): Promise<JobResult | null> {
    current.current?.abort();
    const job = new AbortController();
    current.current = job;
    setState({ ...IDLE, running: true });
    const started = performance.now();
    try {
      const result = await start({
        signal: job.signal,
        onProgress: ({ step, steps, done, total, preview }) => {
          if (current.current !== job) return;
          const elapsed = (performance.now() - started) / 1000;
          const secondsLeft = done > 0 ? (elapsed * (total - done)) / done : null;
          setState((s) => ({ ...s, step, steps, done, total, secondsLeft, preview: preview ?? s.preview }));
        },
      });
      if (current.current !== job) return null;
      setState((s) => ({ ...s, running: false, preview: null }));
      return result;
    } catch (error) {
      if (current.current !== job) return null;
      if (job.signal.aborted) setState((s) => ({ ...s, running: false, secondsLeft: null, cancelled: true }));
      else setState((s) => ({ ...s, running: false, preview: null, error: error instanceof Error ? error.message : String(error) }));
      return null;
    } finally {
      if (current.current === job) current.current = null;
    }
  }

  return { state, run, cancel: () => current.current?.abort() };
}
