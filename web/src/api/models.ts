/** The registry's public API as the page reads it; the types are the Worker's own (worker/schemas.ts). */
import type { PublicVersion, PublishedVersion, VersionSummary } from "../../../worker/schemas.ts";

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

export const fetchCurrentVersion = () => getJson<ModelVersion>("/api/models/current");
export const fetchVersion = (id: string) => getJson<PublishedVersion>(`/api/models/${encodeURIComponent(id)}`);
export const fetchVersions = () =>
  getJson<{ items: VersionSummary[]; next_cursor: string | null }>("/api/models?limit=100").then((page) => page.items);
