/**
 * The page: asks the registry for the current model (or ?model=<id>), loads it into the inference
 * worker (?backend=auto|webgpu|wasm, ?threads=N), and shows the Generate and Restore tools.
 */
import { useEffect, useMemo, useState } from "preact/hooks";
import { fetchCurrentVersion, fetchVersion, fetchVersions, type PublishedVersion, type VersionSummary } from "../api/manifest.ts";
import { InferenceClient } from "../inference/client.ts";
import type { BackendInfo, BackendRequest } from "../inference/protocol.ts";
import { GeneratePanel } from "./GeneratePanel.tsx";
import { ModelPanel } from "./ModelPanel.tsx";
import { Progress } from "./Progress.tsx";
import { RestorePanel } from "./RestorePanel.tsx";

const query = new URLSearchParams(location.search);
const BACKEND = (["webgpu", "wasm"].includes(query.get("backend") ?? "") ? query.get("backend") : "auto") as BackendRequest;
const THREADS = query.has("threads") ? Number(query.get("threads")) : undefined;

interface Download {
  file: string;
  loaded: number;
  total: number;
  cached: boolean;
}

export function describeBackend(backend: BackendInfo): string {
  const name = backend.kind === "webgpu" ? `WebGPU (${backend.variant})` : `WASM, ${backend.threads} thread${backend.threads === 1 ? "" : "s"}`;
  return backend.fallbackReason ? `${name}: ${backend.fallbackReason}` : name;
}

export function App() {
  const [version, setVersion] = useState<PublishedVersion | null>(null);
  const [versions, setVersions] = useState<VersionSummary[]>([]);
  const [backend, setBackend] = useState<BackendInfo | null>(null);
  const [download, setDownload] = useState<Download | null>(null);
  const [ready, setReady] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [tab, setTab] = useState<"generate" | "restore">("generate");
  const client = useMemo(() => new InferenceClient({ onDownload: (file, loaded, total, cached) => setDownload({ file, loaded, total, cached }), onBackend: setBackend }), []);

  useEffect(() => {
    const id = query.get("model");
    (id ? fetchVersion(id) : fetchCurrentVersion()).then(setVersion, (e: Error & { code?: string }) =>
      setError(e.code === "no_current_model" ? "No model has been published yet: publish one with npm run publish-model." : e.message),
    );
    fetchVersions().then(setVersions, () => {});
  }, []);

  useEffect(() => {
    if (!version) return;
    setReady(false);
    setDownload(null);
    client.load(version.manifest, BACKEND, THREADS).then(
      () => setReady(true),
      (e: Error) => setError(`Could not load the model: ${e.message}`),
    );
  }, [version]);

  async function pick(id: string) {
    setError(null);
    try {
      setVersion(await fetchVersion(id));
    } catch (e) {
      setError((e as Error).message);
    }
  }

  return (
    <>
      <header>
        <h1>edge-diffusion</h1>
        <p class="badge" data-testid="backend" data-kind={backend?.kind ?? ""} aria-live="polite">
          {backend ? describeBackend(backend) : "Choosing a backend…"}
        </p>
      </header>
      {error && (
        <p role="alert" class="error">
          {error}
        </p>
      )}
      {version && !ready && !error && (
        <div data-testid="loading">
          {download && !download.cached ? (
            <Progress label={`Downloading ${download.file}`} value={download.loaded} max={download.total} detail={`Downloading ${download.file}: ${(download.loaded / 1e6).toFixed(1)} of ${(download.total / 1e6).toFixed(1)} MB`} />
          ) : (
            <p>Loading the model{download?.cached ? " from this device's cache" : ""}…</p>
          )}
        </div>
      )}
      {version && (
        <main>
          <div role="tablist" class="tabs">
            {(["generate", "restore"] as const).map((name) => (
              <button type="button" role="tab" key={name} id={`tab-${name}`} aria-controls={`panel-${name}`} aria-selected={tab === name} onClick={() => setTab(name)}>
                {name === "generate" ? "Generate" : "Restore"}
              </button>
            ))}
          </div>
          <div role="tabpanel" id="panel-generate" aria-labelledby="tab-generate" hidden={tab !== "generate"}>
            <GeneratePanel client={client} manifest={version.manifest} ready={ready} />
          </div>
          <div role="tabpanel" id="panel-restore" aria-labelledby="tab-restore" hidden={tab !== "restore"}>
            <RestorePanel client={client} manifest={version.manifest} ready={ready} />
          </div>
          <ModelPanel version={version} versions={versions.length > 0 ? versions : [{ id: version.id }]} onPick={pick} disabled={!ready} />
        </main>
      )}
    </>
  );
}
