/** The registry's public API as the page reads it; the types are the Worker's own (worker/contract/schemas.ts). */
import type { PublicVersion, PublishedVersion, VersionSummary } from "../../../worker/contract/schemas.ts";

export type { PublishedVersion, VersionSummary };
/** The current version, as /api/models/current serves it. */
export type ModelVersion = PublicVersion;
/** A version's manifest as served, each file with its /api/weights/<sha256> URL. */
export type Manifest = PublishedVersion["manifest"];
export type ManifestFile = Manifest["files"][number];

async function getJson<T>(path: string): Promise<T> {
  const response = await fetch(path, { headers: { Accept: "application/json" } });
  const body = (await response.json().catch(() => null)) as { error?: string; message?: string } | null;
  if (!response.ok) {
    const detail = body?.message ?? `HTTP ${response.status}`;
    throw Object.assign(new Error(`${path}: ${detail}`), { code: body?.error });
  }
  return body as T;
}

/**
 * A version the page can run. A registry keeps what it accepted, so a version published before its
 * manifest carried `defaults` is refused here with the fix, not midway through the forms.
 */
function runnable<T extends PublishedVersion>(version: T): T {
  if (!version.manifest.defaults) {
    throw new Error(
      `${version.id} was published before manifests carried their sampling defaults: publish it again (npm run publish-model)`,
    );
  }
  return version;
}

export const fetchCurrentVersion = () => getJson<ModelVersion>("/api/models/current").then(runnable);
export const fetchVersion = (id: string) => getJson<PublishedVersion>(`/api/models/${encodeURIComponent(id)}`).then(runnable);
export const fetchVersions = () =>
  getJson<{ items: VersionSummary[]; next_cursor: string | null }>("/api/models?limit=100").then((page) => page.items);
