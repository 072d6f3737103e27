// A small client for the Worker's admin API (see worker/README.md and /api/openapi.json).
import type { Manifest, ManifestFile } from "../../worker/contract/manifest.ts";
import type { AdminVersion } from "../../worker/contract/schemas.ts";

/** A step of publishing that failed, with the reason people need to fix it. */
export class PublishError extends Error {}

interface ApiErrorBody {
  error?: string;
  message?: string;
}

export type Fetch = typeof fetch;

/** Cloudflare refuses request bodies over 100 MB before the Worker sees them: larger files go in parts. */
const SINGLE_REQUEST_BYTES = 95_000_000;

/** A JSON body, or an empty object for an empty or non-JSON one (e.g. an HTML error page from a proxy). */
function parseJson<T>(text: string): T {
  try {
    return (text ? JSON.parse(text) : {}) as T;
  } catch {
    return {} as T;
  }
}

export class RegistryClient {
  readonly baseUrl: string;
  private readonly token: string;
  private readonly fetchImpl: Fetch;

  constructor(baseUrl: string, token: string, fetchImpl: Fetch = fetch) {
    this.baseUrl = baseUrl.replace(/\/+$/, "");
    this.token = token;
    this.fetchImpl = fetchImpl;
  }

  /** One admin call; JSON in and out; an error status becomes a PublishError carrying the Worker's reason. */
  async call<T>(method: string, path: string, body?: BodyInit | object, okStatuses: number[] = []): Promise<{ status: number; body: T }> {
    const headers: Record<string, string> = { Authorization: `Bearer ${this.token}` };
    let payload: BodyInit | undefined;
    if (body instanceof Uint8Array) {
      payload = body as BodyInit;
      headers["Content-Type"] = "application/octet-stream";
    } else if (body !== undefined) {
      payload = JSON.stringify(body);
      headers["Content-Type"] = "application/json";
    }
    let res: Response;
    try {
      res = await this.fetchImpl(`${this.baseUrl}/api${path}`, { method, headers, body: payload });
    } catch (e) {
      throw new PublishError(`the Worker at ${this.baseUrl} is not reachable (${(e as Error).message}): is it running (npm start)?`);
    }
    let text: string;
    try {
      text = await res.text();
    } catch (e) {
      throw new PublishError(
        `${method} ${path}: the connection to ${this.baseUrl} broke off (${(e as Error).message}): rerun to continue.`,
      );
    }
    const parsed = parseJson<T & ApiErrorBody>(text);
    if (!res.ok && !okStatuses.includes(res.status)) {
      throw new PublishError(`${method} ${path} failed with ${res.status} ${parsed.error ?? ""}: ${parsed.message ?? text.slice(0, 200)}`);
    }
    return { status: res.status, body: parsed };
  }

  /** The scopes of this client's token. */
  async scopes(): Promise<string[]> {
    return (await this.call<{ scopes: string[] }>("GET", "/admin/token")).body.scopes;
  }

  /** Registers a version; `created` is false when the same manifest was registered before. */
  async createVersion(manifest: Manifest): Promise<{ created: boolean }> {
    const { status } = await this.call("POST", "/admin/models", manifest);
    return { created: status === 201 };
  }

  async version(id: string): Promise<AdminVersion> {
    return (await this.call<AdminVersion>("GET", `/admin/models/${encodeURIComponent(id)}`)).body;
  }

  /** Uploads one file: in one request when the Worker takes it, in parts when it is too large. */
  async uploadFile(id: string, file: ManifestFile, bytes: Uint8Array): Promise<void> {
    const path = `/admin/models/${encodeURIComponent(id)}/files/${encodeURIComponent(file.name)}`;
    if (bytes.byteLength > SINGLE_REQUEST_BYTES) return this.uploadInParts(path, bytes);
    const { status } = await this.call("PUT", path, bytes, [413]);
    if (status === 413) await this.uploadInParts(path, bytes);
  }

  private async uploadInParts(path: string, bytes: Uint8Array): Promise<void> {
    const start = await this.call<{ upload_id: string | null; min_part_bytes: number; max_part_bytes: number }>("POST", `${path}/uploads`);
    const { upload_id: uploadId, max_part_bytes: partBytes } = start.body;
    if (uploadId === null) return; // the Worker already holds these bytes
    try {
      const parts: { part_number: number; etag: string }[] = [];
      for (let offset = 0, n = 1; offset < bytes.byteLength; offset += partBytes, n++) {
        const part = await this.call<{ part_number: number; etag: string }>(
          "PUT",
          `${path}/uploads/${uploadId}/parts/${n}`,
          bytes.subarray(offset, offset + partBytes),
        );
        parts.push(part.body);
      }
      await this.call("POST", `${path}/uploads/${uploadId}/complete`, { parts });
    } catch (e) {
      await this.call("DELETE", `${path}/uploads/${uploadId}`).catch(() => undefined);
      throw e;
    }
  }

  async finalize(id: string): Promise<void> {
    await this.call("POST", `/admin/models/${encodeURIComponent(id)}/finalize`);
  }

  async promote(id: string): Promise<void> {
    await this.call("POST", `/admin/models/${encodeURIComponent(id)}/promote`);
  }

  async remove(id: string): Promise<void> {
    await this.call("DELETE", `/admin/models/${encodeURIComponent(id)}`);
  }
}
