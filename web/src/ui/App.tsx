/**
 * The page: asks the registry for the current model (or ?model=<id>), loads it into the inference
 * worker (?backend=auto|webgpu|wasm, ?threads=N), says what it is, and shows the Generate and Restore tools.
 */
import { useEffect, useMemo, useState } from "preact/hooks";
import { fetchCurrentVersion, fetchVersion, fetchVersions, type PublishedVersion, type VersionSummary } from "../api/models.ts";
import { InferenceClient } from "../inference/client.ts";
import type { BackendInfo, BackendRequest } from "../inference/protocol.ts";
import { BackendBadge } from "./BackendBadge.tsx";
import { GeneratePanel } from "./generate/GeneratePanel.tsx";
import { Intro } from "./Intro.tsx";
import { type Download, LoadStatus } from "./LoadStatus.tsx";
import { ModelPanel } from "./model/ModelPanel.tsx";
import { RestorePanel } from "./restore/RestorePanel.tsx";
import { bringIntoView } from "./shared/bring-into-view.ts";
import { Tabs } from "./Tabs.tsx";

const query = new URLSearchParams(location.search);
const BACKEND = (["webgpu", "wasm"].includes(query.get("backend") ?? "") ? query.get("backend") : "auto") as BackendRequest;
const THREADS = query.has("threads") ? Number(query.get("threads")) : undefined;
const TABS = [
  { name: "generate", label: "Generate" },
  { name: "restore", label: "Restore" },
] as const;
type TabName = (typeof TABS)[number]["name"];

export function App() {
  const [version, setVersion] = useState<PublishedVersion | null>(null);
  const [versions, setVersions] = useState<VersionSummary[]>([]);
  const [backend, setBackend] = useState<BackendInfo | null>(null);
  const [download, setDownload] = useState<Download | null>(null);
  const [ready, setReady] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [tab, setTab] = useState<TabName>("generate");
  const client = useMemo(
    () =>
      new InferenceClient({
        onDownload: (file, loaded, total, cached) => setDownload({ file, loaded, total, cached }),
        onBackend: setBackend,
      }),
    [],
  );

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
    client.load(version.manifest, BACKEND, { threads: THREADS }).then(
      () => setReady(true),
      (e: Error) => setError(`Could not load the model: ${e.message}`),
    );
  }, [version]);

  // A file dropped outside a drop zone would make the browser open it in place of the page, losing its results.
  useEffect(() => {
    const keepPage = (event: DragEvent) => event.dataTransfer?.types.includes("Files") && event.preventDefault();
    window.addEventListener("dragover", keepPage);
    window.addEventListener("drop", keepPage);
    return () => {
      window.removeEventListener("dragover", keepPage);
      window.removeEventListener("drop", keepPage);
    };
  }, []);

  function start(name: TabName) {
    setTab(name);
    // After the render that shows the tab: its panel comes into view, its first control focused.
    requestAnimationFrame(() => bringIntoView(document.getElementById(`panel-${name}`)));
  }

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
        <BackendBadge backend={backend} />
      </header>
      <main>
        <Intro manifest={version?.manifest ?? null} onStart={start} />
        {error ? (
          <p role="alert" class="error">
            {error}
          </p>
        ) : (
          <LoadStatus download={download} ready={ready} />
        )}
        {version && (
          <>
            <Tabs tabs={TABS} selected={tab} onSelect={setTab} />
            <div role="tabpanel" id="panel-generate" aria-labelledby="tab-generate" hidden={tab !== "generate"}>
              {/* Keyed by version: another version's forms start from its own defaults. */}
              <GeneratePanel key={version.id} client={client} manifest={version.manifest} ready={ready} />
            </div>
            <div role="tabpanel" id="panel-restore" aria-labelledby="tab-restore" hidden={tab !== "restore"}>
              <RestorePanel key={version.id} client={client} manifest={version.manifest} ready={ready} visible={tab === "restore"} />
            </div>
            <ModelPanel
              version={version}
              versions={versions.length > 0 ? versions : [{ id: version.id }]}
              onPick={pick}
              disabled={!ready}
            />
          </>
        )}
      </main>
    </>
  );
}
