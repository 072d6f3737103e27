/**
 * A model version loaded into an inference worker of its own: the worker starts, and the version's
 * weights download, only once `wanted` (a Restore tab never opened costs the visitor nothing).
 */
import { useEffect, useRef, useState } from "preact/hooks";
import type { PublishedVersion } from "../../api/models.ts";
import { InferenceClient } from "../../inference/client.ts";
import type { BackendInfo, BackendRequest, WasmOptions } from "../../inference/protocol.ts";
import type { Download } from "../LoadStatus.tsx";

export interface LoadedModel {
  /** Null until the version is wanted. */
  client: InferenceClient | null;
  ready: boolean;
  download: Download | null;
  error: string | null;
}

export function useLoadedModel(
  version: PublishedVersion | null,
  wanted: boolean,
  options: { backend: BackendRequest; wasm: WasmOptions; onBackend(backend: BackendInfo): void },
): LoadedModel {
  const [client, setClient] = useState<InferenceClient | null>(null);
  const [ready, setReady] = useState(false);
  const [download, setDownload] = useState<Download | null>(null);
  const [error, setError] = useState<string | null>(null);
  const onBackend = useRef(options.onBackend);
  onBackend.current = options.onBackend;
  // Only the latest load speaks: one superseded by a newer pick is no error.
  const loads = useRef(0);

  useEffect(() => {
    if (!version || !wanted) return;
    const worker =
      client ??
      new InferenceClient({
        onDownload: (file, loaded, total, cached) => setDownload({ file, loaded, total, cached }),
        onBackend: (backend) => onBackend.current(backend),
      });
    if (!client) setClient(worker);
    setReady(false);
    setDownload(null);
    setError(null);
    const load = ++loads.current;
    worker.load(version.manifest, options.backend, options.wasm).then(
      () => load === loads.current && setReady(true),
      (e: Error) => load === loads.current && setError(`Could not load the model: ${e.message}`),
    );
  }, [version, wanted]);

  return { client, ready, download, error };
}
