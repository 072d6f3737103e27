/**
 * GET /api/models/current through the Workers cache (caches.default), which is per data center:
 * each one reads D1 for it at most once per CURRENT_MAX_AGE seconds. Promote and rollback delete
 * the entry in the data center that ran them; elsewhere the old answer lives out its max-age.
 * Each entry carries the generation of the pointer it was read from, so an answer read before a
 * promote is not kept after it. On *.workers.dev the Cache API does nothing, so there every
 * request reads D1.
 */
import { jsonWithETag } from "./http-cache.ts";

/** How long any cache (this one, a CDN, a browser) may answer without asking: the delay a promote may take to show. */
export const CURRENT_MAX_AGE = 15;
/** After that, a browser may answer once more with its old copy while it fetches the new one in the background. */
export const CURRENT_STALE_WHILE_REVALIDATE = 15;

const CLIENT_CACHE_CONTROL = `public, max-age=${CURRENT_MAX_AGE}, stale-while-revalidate=${CURRENT_STALE_WHILE_REVALIDATE}`;
// The Worker's own copy is never served stale: that would stretch the delay past CURRENT_MAX_AGE.
const EDGE_CACHE_CONTROL = `public, max-age=${CURRENT_MAX_AGE}`;

/** Internal, never sent: when the cached answer was built, so every answer can say its Age. */
const BUILT_AT = "X-Built-At";
/** Internal, never sent: the generation of the pointer the cached answer was read from. */
const GENERATION = "X-Generation";

/** One entry per hostname: the answer holds absolute weight URLs on the caller's origin. */
function cacheKey(requestUrl: string): string {
  return new URL("/api/models/current", requestUrl).href;
}

/** An answer with the pointer generation it was read from. */
interface Rendered {
  body: unknown;
  generation: number;
}

/**
 * Stores `answer` unless the cache holds one of a newer generation. A promote that commits between
 * the render's read and this put has purged the cache before the put lands; so the pointer's
 * generation is read again afterwards (`latestGeneration`), and an entry it has moved past is
 * taken out again: stale for the length of one D1 read, not for CURRENT_MAX_AGE.
 */
async function store(key: string, answer: Response, generation: number, latestGeneration: () => Promise<number | null>): Promise<void> {
  const cached = await caches.default.match(key);
  const cachedGeneration = Number(cached?.headers.get(GENERATION) ?? Number.NEGATIVE_INFINITY);
  await cached?.body?.cancel();
  if (cachedGeneration > generation) return;
  await caches.default.put(key, answer.clone());
  if ((await latestGeneration()) !== generation) await caches.default.delete(key);
}

/**
 * The cached answer for this hostname, or the one `render` builds (one D1 read), stored before it
 * is returned so that the next request in this data center finds it. `render` throws to answer
 * without caching (no current model yet).
 */
export async function cachedCurrent(
  requestUrl: string,
  render: () => Promise<Rendered>,
  latestGeneration: () => Promise<number | null>,
): Promise<Response> {
  const key = cacheKey(requestUrl);
  let answer = await caches.default.match(key);
  if (!answer) {
    const { body, generation } = await render();
    answer = await jsonWithETag(body, EDGE_CACHE_CONTROL);
    answer.headers.set(BUILT_AT, String(Date.now()));
    answer.headers.set(GENERATION, String(generation));
    await store(key, answer, generation, latestGeneration);
  }
  const response = new Response(answer.body, answer);
  // Age makes browsers count max-age from when the Worker built the answer, not from when they got it.
  const ageSeconds = Math.floor((Date.now() - Number(response.headers.get(BUILT_AT))) / 1000);
  response.headers.set("Age", String(Math.max(0, ageSeconds)));
  response.headers.delete(BUILT_AT);
  response.headers.delete(GENERATION);
  response.headers.set("Cache-Control", CLIENT_CACHE_CONTROL);
  return response;
}

/** Drops this data center's copy for the caller's hostname, so a promote shows here at once. */
export async function purgeCurrent(requestUrl: string): Promise<void> {
  await caches.default.delete(cacheKey(requestUrl));
}
