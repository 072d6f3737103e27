/**
 * The service worker: after one visit the page runs offline; online, the newest page and model win,
 * and a page is never served with another build's files.
 *
 * - Each build has its own worker: web/service-worker-plugin.ts writes BUILD (every file of the build
 *   with its sha256) into sw.js, so a new build is a new sw.js that the browser installs beside the
 *   old one, and activates once no tab that the old worker controls is open.
 * - Install keeps the whole build in a cache of its own and checks each file against its sha256: a
 *   site caught mid-deploy (or answering a missing asset with index.html) fails the install, and the
 *   next visit tries again. Both ONNX Runtime builds are kept, since which one a device runs is only
 *   known when the model loads, and the first visit loads it before this worker controls the page.
 * - Hashed assets (/assets/) never change under their name: the cache answers.
 * - The page (any navigation: it routes itself), its manifest and icons, and the registry's answers
 *   (/api/models...) are asked of the network first; the caches answer only offline. Offline the page
 *   is this build's own copy, never a newer one seen online, whose assets this cache may lack.
 * - The weights are not kept here: web/src/inference/weights-cache.ts keeps them by sha256 and reads
 *   that cache before the network.
 */
import { sha256Hex } from "./inference/weights-cache.ts";

declare const self: ServiceWorkerGlobalScope;
declare const BUILD: Build;

export interface BuildFile {
  /** Where the Worker serves it ("/" for index.html). */
  url: string;
  sha256: string;
}

export interface Build {
  /** Names this build's cache: a digest of its files' digests. */
  id: string;
  files: BuildFile[];
}

const PAGE_CACHES = "edge-diffusion-page-";
const PAGE_CACHE = `${PAGE_CACHES}${BUILD.id}`;
const REGISTRY_CACHE = "edge-diffusion-registry";
const inBuild = new Set(BUILD.files.map((file) => file.url));

self.addEventListener("install", (event) => event.waitUntil(install()));
self.addEventListener("activate", (event) => event.waitUntil(activate()));
self.addEventListener("fetch", (event) => {
  const answer = route(event.request);
  if (answer) event.respondWith(answer);
});

async function install(): Promise<void> {
  const cache = await caches.open(PAGE_CACHE);
  // One file at a time, at low priority: a first visit is downloading the same runtime and the weights.
  for (const file of BUILD.files) await cache.put(file.url, await verified(file));
  // The first visit asked for its model before this worker ran: keep that answer for an offline start.
  await networkThenKept(new Request("/api/models/current")).catch(() => {});
}

async function activate(): Promise<void> {
  const stale = (await caches.keys()).filter((name) => name.startsWith(PAGE_CACHES) && name !== PAGE_CACHE);
  await Promise.all(stale.map((name) => caches.delete(name)));
  // Open pages take this worker at once. One loaded from an older build mid-deploy still gets its
  // own hashed files from the network (they are not in this build's list), as without a worker.
  await self.clients.claim();
}

/** How this worker answers a request, or undefined to leave it to the network as if there were no worker. */
function route(request: Request): Promise<Response> | undefined {
  const { origin, pathname } = new URL(request.url);
  if (request.method !== "GET" || origin !== location.origin) return undefined;
  if (pathname.startsWith("/api/")) return pathname.startsWith("/api/models") ? networkThenKept(request) : undefined;
  if (request.mode === "navigate") return pageThenBuild(request);
  if (!inBuild.has(pathname)) return undefined;
  return pathname.startsWith("/assets/") ? buildThenNetwork(request) : networkThenBuild(request, pathname);
}

/** This build's copy of a file whose name carries its hash; the network if the copy went missing. */
async function buildThenNetwork(request: Request): Promise<Response> {
  return (await caches.match(request, { cacheName: PAGE_CACHE })) ?? fetch(request);
}

/**
 * A page load waits this long for the network before this build's copy answers: on a connection that
 * is up but not working, the installed app would otherwise hang until the network gives up.
 */
const PAGE_WAIT_MS = 4000;

/** The network's page, or this build's copy when the network fails or is slow. */
async function pageThenBuild(request: Request): Promise<Response> {
  const network = fetch(request);
  const slow = new Promise<null>((resolve) => setTimeout(() => resolve(null), PAGE_WAIT_MS));
  const first = await Promise.race([network.catch(() => null), slow]);
  if (first) return first;
  return (await caches.match("/", { cacheName: PAGE_CACHE })) ?? network;
}

/** The network's answer; offline, this build's copy of `url`. */
async function networkThenBuild(request: Request, url: string): Promise<Response> {
  try {
    return await fetch(request);
  } catch (offline) {
    const kept = await caches.match(url, { cacheName: PAGE_CACHE });
    if (!kept) throw offline;
    return kept;
  }
}

/** The network's answer, kept when it succeeds; offline, the last one kept. */
async function networkThenKept(request: Request): Promise<Response> {
  const cache = await caches.open(REGISTRY_CACHE);
  try {
    const response = await fetch(request);
    if (response.ok) await cache.put(request, response.clone());
    return response;
  } catch (offline) {
    const kept = await cache.match(request, { ignoreVary: true });
    if (!kept) throw offline;
    return kept;
  }
}

/** The file with exactly the build's bytes: an older build's identical copy, else the network's. */
async function verified(file: BuildFile): Promise<Response> {
  const kept = await withBytes(await caches.match(file.url), file.sha256);
  if (kept) return kept;
  const response = await fetch(file.url, { cache: "no-cache", priority: "low" });
  const fetched = await withBytes(response, file.sha256);
  if (!fetched) {
    throw new Error(
      `${file.url} (HTTP ${response.status}) is not the file this build names (the site is mid-deploy, or serves another build): the next visit installs again`,
    );
  }
  return fetched;
}

/** The response rebuilt around its bytes when they hash to sha256, else null. */
async function withBytes(response: Response | undefined, sha256: string): Promise<Response | null> {
  if (!response?.ok) return null;
  const bytes = await response.arrayBuffer();
  return (await sha256Hex(bytes)) === sha256 ? new Response(bytes, response) : null;
}
