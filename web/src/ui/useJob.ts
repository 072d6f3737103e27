/** Runs one worker job at a time for a panel: progress, live preview, cancel, result or error. */
import { useRef, useState } from "preact/hooks";
import { CancelledError, type Job, type JobResult } from "../inference/client.ts";

export interface JobState {
  running: boolean;
  step: number;
  steps: number;
  preview: Float32Array | null;
  error: string | null;
}

export function useJob() {
  const [state, setState] = useState<JobState>({ running: false, step: 0, steps: 0, preview: null, error: null });
  const current = useRef<Job<JobResult> | null>(null);

  async function run(start: (onProgress: (step: number, steps: number, preview: Float32Array) => void) => Job<JobResult>): Promise<JobResult | null> {
    setState({ running: true, step: 0, steps: 0, preview: null, error: null });
    const job = start((step, steps, preview) => setState((s) => ({ ...s, step, steps, preview })));
    current.current = job;
    try {
      const result = await job.result;
      setState((s) => ({ ...s, running: false, preview: null }));
      return result;
    } catch (error) {
      const message = error instanceof CancelledError ? null : error instanceof Error ? error.message : String(error);
      setState((s) => ({ ...s, running: false, preview: null, error: message }));
      return null;
    } finally {
      current.current = null;
    }
  }

  return { state, run, cancel: () => current.current?.cancel() };
}
