/** The registry's public API as the page reads it (worker/schemas.ts `PublicVersion`, manifest@1). */
import type { Prediction } from "../diffusion/schedule.ts";

export interface ManifestFile {
  name: string;
  variant: "fp32" | "fp16";
  bytes: number;
  sha256: string;
  /** /api/weights/<sha256>, added by the registry. */
  url: string;
}

export interface Manifest {
  schema: "edge-diffusion/manifest@1";
  id: string;
  name: string;
  created: string;
  image: { size: number; channels: number; range: [number, number] };
  classes: { names: string[]; null_class: number };
  diffusion: { schedule: string; timesteps: number; prediction: Prediction; alphas_cumprod: number[] };
  files: ManifestFile[];
  training: Record<string, unknown>;
  metrics: Record<string, unknown>;
}

export interface ModelVersion {
  id: string;
  status: "ready" | "retired";
  current: boolean;
  created_at: string;
  promoted_at: string | null;
  manifest: Manifest;
}

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
export const fetchVersion = (id: string) => getJson<ModelVersion>(`/api/models/${encodeURIComponent(id)}`);
export const fetchVersions = () =>
  getJson<{ items: ModelVersion[]; next_cursor: string | null }>("/api/models?limit=100").then((page) => page.items);
