/**
 * Weight files kept in the Cache Storage API under their sha256, so a second visit starts without
 * a download. Every read is verified; a corrupt copy is dropped and fetched again.
 */
import type { ManifestFile } from "../api/models.ts";

const CACHE_NAME = "edge-diffusion-weights-v1";

export type BytesProgress = (loaded: number, total: number, cached: boolean) => void;

export async function sha256Hex(bytes: ArrayBuffer): Promise<string> {
  const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", bytes));
  return Array.from(digest, (b) => b.toString(16).padStart(2, "0")).join("");
}

/** The cache key names the content, so it is valid for any version or origin that shares the file. */
const keyOf = (file: ManifestFile) => new Request(`/weights-cache/${file.sha256}`);

export async function loadWeights(file: ManifestFile, onProgress: BytesProgress): Promise<ArrayBuffer> {
  const cache = await caches.open(CACHE_NAME);
  const hit = await cache.match(keyOf(file));
  if (hit) {
    const bytes = await hit.arrayBuffer();
    if ((await sha256Hex(bytes)) === file.sha256) {
      onProgress(bytes.byteLength, bytes.byteLength, true);
      return bytes;
    }
    console.warn(`cached ${file.name} (${file.sha256}) is corrupt: fetching it again`);
    await cache.delete(keyOf(file));
  }
  const bytes = await download(file, onProgress);
  const actual = await sha256Hex(bytes);
  if (actual !== file.sha256) {
    throw new Error(
      `${file.name} from ${file.url} has sha256 ${actual}, the manifest says ${file.sha256}: the download is corrupt, reload to retry`,
    );
  }
  await cache.put(keyOf(file), new Response(bytes, { headers: { "Content-Type": "application/octet-stream" } }));
  return bytes;
}

async function download(file: ManifestFile, onProgress: BytesProgress): Promise<ArrayBuffer> {
  const response = await fetch(file.url);
  if (!response.ok || !response.body) throw new Error(`downloading ${file.name} from ${file.url} failed: HTTP ${response.status}`);
  const bytes = new Uint8Array(file.bytes);
  const reader = response.body.getReader();
  let loaded = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    if (loaded + value.length > bytes.length) throw new Error(`${file.name} is larger than the ${file.bytes} bytes the manifest says`);
    bytes.set(value, loaded);
    loaded += value.length;
    onProgress(loaded, file.bytes, false);
  }
  if (loaded !== file.bytes) throw new Error(`${file.name}: got ${loaded} bytes, the manifest says ${file.bytes}`);
  return bytes.buffer;
}
