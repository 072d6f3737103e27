/** Public reads of the registry: published (ready or retired) versions and the current one. */
import { createRoute, z } from "@hono/zod-openapi";
import { IdParams, ListQuery, PublicVersion, PublishedVersion, VersionSummary, versionList } from "../contract/schemas.ts";
import { publicVersion, publishedVersion, versionSummary } from "../db/rows-to-json.ts";
import { currentGeneration, findCurrent, findVersion, listVersionSummaries } from "../db/versions.ts";
import { cachedCurrent } from "../http/current-cache.ts";
import { ApiError } from "../http/errors.ts";
import { conditional, IMMUTABLE, jsonWithETag } from "../http/http-cache.ts";
import { createRouter, errors, json } from "../http/openapi.ts";

const PublicListQuery = ListQuery.extend({
  status: z
    .enum(["ready", "retired"])
    .optional()
    .openapi({ param: { name: "status", in: "query" } }),
});

const NOT_MODIFIED = { 304: { description: "The client's copy (If-None-Match) is current: no body." } };

const list = createRoute({
  method: "get",
  path: "/models",
  summary: "List published versions, newest first, as summaries (each links to its whole manifest)",
  request: { query: PublicListQuery },
  responses: { 200: json(versionList(VersionSummary), "One page of version summaries."), ...errors(400) },
});

const current = createRoute({
  method: "get",
  path: "/models/current",
  summary: "The version the page should run (cached for a few seconds; see worker/README.md)",
  responses: { 200: json(PublicVersion, "The current version."), ...NOT_MODIFIED, ...errors(404) },
});

const one = createRoute({
  method: "get",
  path: "/models/{id}",
  summary: "One published version: immutable, so cacheable forever",
  request: { params: IdParams },
  responses: { 200: json(PublishedVersion, "The version."), ...NOT_MODIFIED, ...errors(400, 404) },
});

/** The list shows which version is current, which changes on promote: caches must revalidate every time. */
const NO_CACHE = { "Cache-Control": "no-cache" };

export const models = createRouter()
  .openapi(list, async (c) => {
    const { limit, cursor, status } = c.req.valid("query");
    const statuses = status ? [status] : (["ready", "retired"] as const);
    const page = await listVersionSummaries(c.env.DB, statuses, limit, cursor ? Number(cursor) : undefined);
    const origin = new URL(c.req.url).origin;
    return c.json({ items: page.rows.map((row) => versionSummary(row, origin)), next_cursor: page.nextCursor }, 200, NO_CACHE);
  })
  .openapi(current, async (c) => {
    const answer = await cachedCurrent(
      c.req.url,
      async () => {
        const row = await findCurrent(c.env.DB);
        if (!row) throw new ApiError(404, "no_current_model", "No version has been promoted yet: publish one and promote it.");
        return { body: publicVersion(row, new URL(c.req.url).origin), generation: row.generation };
      },
      () => currentGeneration(c.env.DB),
    );
    return conditional(c.req.header("If-None-Match"), answer);
  })
  .openapi(one, async (c) => {
    const row = await findVersion(c.env.DB, c.req.valid("param").id);
    if (!row || row.status === "pending") {
      throw new ApiError(404, "version_not_found", "No published version has this id: list them with GET /api/models.");
    }
    return conditional(c.req.header("If-None-Match"), await jsonWithETag(publishedVersion(row, new URL(c.req.url).origin), IMMUTABLE));
  });
