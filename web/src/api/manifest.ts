/** The registry's public API as the page reads it (worker/schemas.ts `PublishedVersion`, `PublicVersion`, `VersionSummary`; manifest@1). */
import type { Prediction } from "../diffusion/schedule.ts";

export interface ManifestFile {
  name: string;
  variant: "fp32" | "fp16";
  bytes: number;
  sha256: string;
  /** /api/weights/<sha256>, added by the registry. */
  url: string;
}

export interface OnnxTensor {
  name: string;
  dtype: string;
  shape: (number | string)[];
}

export interface Manifest {
  schema: "edge-diffusion/manifest@1";
  id: string;
  name: string;
  created: string;
  image: { size: number; channels: number; range: [number, number] };
  classes: { names: string[]; null_class: number };
  diffusion: { schedule: string; timesteps: number; prediction: Prediction; alphas_cumprod: number[] };
  /** The network's interface: inputs x, t, class labels and the output, in this order, by their graph names. */
  onnx: { opset: number; inputs: OnnxTensor[]; outputs: OnnxTensor[] };
  files: ManifestFile[];
  training: Record<string, unknown>;
  metrics: Record<string, unknown>;
}

/** A finalized version as /api/models/{id} serves it: immutable, so it carries no status. */
export interface PublishedVersion {
  id: string;
  created_at: string;
  finalized_at: string | null;
  manifest: Manifest;
}

/** The current version, as /api/models/current serves it. */
export interface ModelVersion extends PublishedVersion {
  status: "ready" | "retired";
  current: boolean;
  promoted_at: string | null;
}

/** An item of the public list: what the version picker shows, never the whole manifest. */
export interface VersionSummary {
  id: string;
  status: "ready" | "retired";
  current: boolean;
  name: string;
  created: string;
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
export const fetchVersion = (id: string) => getJson<PublishedVersion>(`/api/models/${encodeURIComponent(id)}`);
export const fetchVersions = () =>
  getJson<{ items: VersionSummary[]; next_cursor: string | null }>("/api/models?limit=100").then((page) => page.items);
