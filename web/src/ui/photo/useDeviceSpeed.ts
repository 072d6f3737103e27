/** This device's speed with the loaded model, measured once, when first `wanted` (`speedFrom`'s calls). */
import { useEffect, useState } from "preact/hooks";
import type { InferenceClient } from "../../inference/client.ts";
import { type DeviceSpeed, SPEED_BATCH, SPEED_RUNS, speedFrom } from "../../restore-plan.ts";

export interface SpeedState {
  speed: DeviceSpeed | null;
  error: string | null;
}

/** `modelId`: a new model is measured again. */
export function useDeviceSpeed(client: InferenceClient, modelId: string, wanted: boolean): SpeedState {
  const [state, setState] = useState<SpeedState & { modelId: string | null }>({ speed: null, error: null, modelId: null });
  const measured = state.modelId === modelId;
  useEffect(() => {
    if (!wanted || measured) return;
    let current = true;
    client.bench(SPEED_BATCH, SPEED_RUNS).then(
      (ms) => current && setState({ speed: speedFrom(ms), error: null, modelId }),
      (error: Error) => current && setState({ speed: null, error: `Could not measure this device's speed: ${error.message}`, modelId }),
    );
    return () => {
      current = false;
    };
  }, [client, modelId, wanted, measured]);
  return measured ? state : { speed: null, error: null };
}
