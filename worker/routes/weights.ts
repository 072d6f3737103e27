/** Public downloads of weight files: content-addressed, immutable, resumable. */
import { createRoute } from "@hono/zod-openapi";
import { ShaParams } from "../contract/schemas.ts";
import { publishedWeightBytes } from "../db/versions.ts";
import { ApiError } from "../http/errors.ts";
import { IMMUTABLE } from "../http/http-cache.ts";
import { createRouter, errors } from "../http/openapi.ts";
import { noneMatch, parseRange } from "../http/ranges.ts";
import { weightsKey } from "../storage.ts";

const download = createRoute({
  method: "get",
  path: "/weights/{sha256}",
  summary: "Download a weight file by its sha256 (HEAD, Range and If-None-Match supported)",
  request: { params: ShaParams },
  responses: {
    200: { description: "The whole file.", content: { "application/octet-stream": { schema: { type: "string", format: "binary" } } } },
    206: { description: "The requested byte range (Content-Range says which)." },
    304: { description: "The client's copy (If-None-Match) is current." },
    ...errors(400, 404, 416),
  },
});

function notFound(): ApiError {
  return new ApiError(
    404,
    "weights_not_found",
    "No published version has a file with this sha256: take URLs from GET /api/models/current.",
  );
}

export const weights = createRouter().openapi(download, async (c) => {
  const { sha256 } = c.req.valid("param");
  const size = await publishedWeightBytes(c.env.DB, sha256);
  if (size === null) throw notFound();
  const etag = `"${sha256}"`;
  const headers = new Headers({
    ETag: etag,
    // The URL names the content, so it can never change.
    "Cache-Control": IMMUTABLE,
    "Accept-Ranges": "bytes",
  });
  if (noneMatch(c.req.header("If-None-Match"), etag)) return new Response(null, { status: 304, headers });

  const range = parseRange(c.req.header("Range"), c.req.header("If-Range"), size, etag);
  if (range.kind === "unsatisfiable") {
    throw new ApiError(416, "range_not_satisfiable", `The file has ${size} bytes: ask for a range inside it.`, undefined, {
      "Content-Range": `bytes */${size}`,
    });
  }
  const partial = range.kind === "partial";
  const length = partial ? range.length : size;
  headers.set("Content-Type", "application/octet-stream");
  headers.set("Content-Length", String(length));
  if (partial) headers.set("Content-Range", `bytes ${range.offset}-${range.offset + range.length - 1}/${size}`);
  const status = partial ? 206 : 200;
  if (c.req.method === "HEAD") return new Response(null, { status, headers });

  const object = await c.env.WEIGHTS.get(weightsKey(sha256), partial ? { range: { offset: range.offset, length: range.length } } : {});
  if (!object) {
    console.error(JSON.stringify({ request_id: c.get("requestId"), error: "verified weight missing from R2", sha256 }));
    throw notFound();
  }
  return new Response(object.body, { status, headers });
});
