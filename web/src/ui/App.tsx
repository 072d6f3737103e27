/**
 * The page: asks the registry for the current model (or ?model=<id>), loads it into an inference
 * worker (?backend=auto|webgpu|wasm, ?threads=N), says what it is, and shows the Generate and Restore
 * tools. A distilled student generates; its teacher restores (a restoration's passes are the same on
 * either, and the teacher's are better), loaded into a second worker on the first visit to Restore.
 */
import { useEffect, useState } from "preact/hooks";
import { fetchCurrentVersion, fetchVersion, fetchVersions, type PublishedVersion, type VersionSummary } from "../api/models.ts";
import type { BackendInfo, BackendRequest } from "../inference/protocol.ts";
import { BackendBadge } from "./BackendBadge.tsx";
import { GeneratePanel } from "./generate/GeneratePanel.tsx";
import { useLoadedModel } from "./hooks/useLoadedModel.ts";
import { Intro } from "./Intro.tsx";
import { LoadStatus } from "./LoadStatus.tsx";
import { ModelPanel } from "./model/ModelPanel.tsx";
import { relatedModels } from "./model/related-models.ts";
import { RestorePanel } from "./restore/RestorePanel.tsx";
import { bringIntoView } from "./shared/bring-into-view.ts";
import { Tabs } from "./Tabs.tsx";

const query = new URLSearchParams(location.search);
const BACKEND = (["webgpu", "wasm"].includes(query.get("backend") ?? "") ? query.get("backend") : "auto") as BackendRequest;
const WASM = { threads: query.has("threads") ? Number(query.get("threads")) : undefined };
const TABS = [
  { name: "generate", label: "Generate" },
  { name: "restore", label: "Restore" },
] as const;
type TabName = (typeof TABS)[number]["name"];

/** A student's teacher as fetched from the registry, or why it could not be. */
type FetchedTeacher = { id: string; version: PublishedVersion } | { id: string; failure: string };

/**
 * The version that restores: a student's teacher once fetched, the student itself (saying why) where
 * its teacher cannot be read, any other version itself; null while a teacher is on its way.
 */
function restorerOf(version: PublishedVersion, teacher: FetchedTeacher | null): { version: PublishedVersion; note?: string } | null {
  const wanted = version.manifest.teacher;
  if (!wanted) return { version };
  if (teacher?.id !== wanted) return null;
  return "version" in teacher
    ? { version: teacher.version }
    : { version, note: `Its teacher could not be loaded (${teacher.failure}): this student restores.` };
}

export function App() {
  const [version, setVersion] = useState<PublishedVersion | null>(null);
  const [versions, setVersions] = useState<VersionSummary[]>([]);
  const [teacher, setTeacher] = useState<FetchedTeacher | null>(null);
  const [backend, setBackend] = useState<BackendInfo | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [tab, setTab] = useState<TabName>("generate");
  const [restoreVisited, setRestoreVisited] = useState(false);
  const teacherId = version?.manifest.teacher;
  const restorer = version && restorerOf(version, teacher);
  const options = { backend: BACKEND, wasm: WASM, onBackend: setBackend };
  const generating = useLoadedModel(version, true, options);
  const separate = restorer !== null && restorer.version.id !== version?.id;
  const restoringApart = useLoadedModel(separate ? restorer.version : null, restoreVisited, options);
  const restoring = separate ? restoringApart : generating;
  const shown = tab === "restore" ? restoring : generating;

  useEffect(() => {
    const id = query.get("model");
    (id ? fetchVersion(id) : fetchCurrentVersion()).then(setVersion, (e: Error & { code?: string }) =>
      setError(e.code === "no_current_model" ? "No model has been published yet: publish one with npm run publish-model." : e.message),
    );
    fetchVersions().then(setVersions, () => {});
  }, []);

  useEffect(() => {
    if (!teacherId) return;
    fetchVersion(teacherId).then(
      (found) => setTeacher({ id: teacherId, version: found }),
      (e: Error) => setTeacher({ id: teacherId, failure: e.message }),
    );
  }, [teacherId]);

  useEffect(() => {
    if (tab === "restore") setRestoreVisited(true);
  }, [tab]);

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
      // A reload, a bookmark or a shared link keeps the version picked.
      const url = new URL(location.href);
      url.searchParams.set("model", id);
      history.replaceState(history.state, "", url);
    } catch (e) {
      setError((e as Error).message);
    }
  }

  const failure = error ?? shown.error;
  return (
    <>
      <header>
        <h1>edge-diffusion</h1>
        <BackendBadge backend={backend} />
      </header>
      <main>
        <Intro manifest={version?.manifest ?? null} onStart={start} />
        {failure ? (
          <p role="alert" class="error">
            {failure}
          </p>
        ) : (
          <LoadStatus download={shown.download} ready={shown.ready} />
        )}
        {version && (
          <>
            <Tabs tabs={TABS} selected={tab} onSelect={setTab} />
            <div role="tabpanel" id="panel-generate" aria-labelledby="tab-generate" hidden={tab !== "generate"}>
              {/* Keyed by version: another version's forms start from its own defaults. */}
              {generating.client && (
                <GeneratePanel
                  key={version.id}
                  client={generating.client}
                  manifest={version.manifest}
                  ready={generating.ready}
                  otherModels={relatedModels(version, versions)}
                  onModel={pick}
                />
              )}
            </div>
            <div role="tabpanel" id="panel-restore" aria-labelledby="tab-restore" hidden={tab !== "restore"}>
              {restorer && restoring.client && (
                <RestorePanel
                  key={restorer.version.id}
                  client={restoring.client}
                  manifest={restorer.version.manifest}
                  ready={restoring.ready}
                  visible={tab === "restore"}
                  modelNote={
                    restorer.note ??
                    (separate
                      ? `Restoration runs on ${restorer.version.id}, the model this student learned from: a restoration takes as many passes on either, and the teacher's measured better.`
                      : undefined)
                  }
                />
              )}
            </div>
            <ModelPanel
              version={version}
              versions={versions.length > 0 ? versions : [{ id: version.id }]}
              onPick={pick}
              disabled={!generating.ready}
            />
          </>
        )}
      </main>
    </>
  );
}
