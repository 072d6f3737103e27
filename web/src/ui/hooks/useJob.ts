/** Runs one worker job at a time for a panel: progress, time left, live preview, cancel, result or error. */
import { useEffect, useRef, useState } from "preact/hooks";
import type { JobOptions, JobResult } from "../../inference/client.ts";
import { secondsLeftOf } from "../shared/time-left.ts";

export interface JobState {
  running: boolean;
  step: number;
  steps: number;
  /** The UNet's work done of the total (tiles or images), for progress within a step. */
  done: number;
  total: number;
  /**
   * Seconds left when the latest progress came (`at`, performance.now()): the job's estimate at first,
   * then more and more the rate of its own work (null while neither is known).
   */
  secondsLeft: number | null;
  at: number;
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
  at: 0,
  preview: null,
  cancelled: false,
  error: null,
};

export function useJob() {
  const [state, setState] = useState<JobState>(IDLE);
  const current = useRef<AbortController | null>(null);
  // A panel that goes (another model chosen) stops its job: nothing would show its result.
  useEffect(() => () => current.current?.abort(), []);

  /**
   * Starts a job (`expected`: its estimated seconds, if known), aborting the one still running: only the latest job updates the state, and a
   * superseded or cancelled job resolves to null, so its result can never be shown as the new one's.
   */
  async function run(
    start: (options: Required<JobOptions>) => Promise<JobResult>,
    expected: number | null = null,
  ): Promise<JobResult | null> {
    current.current?.abort();
    const job = new AbortController();
    current.current = job;
    const started = performance.now();
    setState({ ...IDLE, running: true, secondsLeft: expected, at: started });
    try {
      const result = await start({
        signal: job.signal,
        onProgress: ({ step, steps, done, total, preview }) => {
          if (current.current !== job) return;
          const at = performance.now();
          const secondsLeft = secondsLeftOf((at - started) / 1000, total > 0 ? done / total : 0, expected);
          setState((s) => ({ ...s, step, steps, done, total, secondsLeft, at, preview: preview ?? s.preview }));
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

  /** Cancels the job without a word: what it was for is gone (another photo was opened). */
  function reset() {
    current.current?.abort();
    current.current = null;
    setState(IDLE);
  }

  return { state, run, cancel: () => current.current?.abort(), reset, isRunning: () => current.current !== null };
}
