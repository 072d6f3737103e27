/** Cacheable JSON answers: strong ETags taken from the exact bytes, and 304 for a client whose copy matches. */
import { sha256Hex } from "../crypto.ts";
import { noneMatch } from "./ranges.ts";

/** For answers whose URL can never name other bytes (content-addressed weights, finalized versions). */
export const IMMUTABLE = "public, max-age=31536000, immutable";

/** JSON with a strong ETag: the sha256 of the body, so equal ETags mean byte-equal answers. */
export async function jsonWithETag(value: unknown, cacheControl: string): Promise<Response> {
  const body = JSON.stringify(value);
  return new Response(body, {
    headers: { "Content-Type": "application/json", ETag: `"${await sha256Hex(body)}"`, "Cache-Control": cacheControl },
  });
}

/** The headers a 304 must repeat (RFC 9110 15.4.5), so caches refresh their copy. */
const NOT_MODIFIED_HEADERS = ["ETag", "Cache-Control", "Age"];

/**
 * 304 with no body when If-None-Match names the answer's ETag, else the answer itself; either way
 * a fresh Response, because the middleware adds headers and cached answers' headers are immutable.
 */
export async function conditional(ifNoneMatch: string | undefined, answer: Response): Promise<Response> {
  const etag = answer.headers.get("ETag");
  if (!etag || !noneMatch(ifNoneMatch, etag)) return new Response(answer.body, answer);
  await answer.body?.cancel();
  const headers = new Headers();
  for (const name of NOT_MODIFIED_HEADERS) {
    const value = answer.headers.get(name);
    if (value !== null) headers.set(name, value);
  }
  return new Response(null, { status: 304, headers });
}
