/** Public reads of the registry: published (ready or retired) versions and the current one. */
import { createRoute, z } from "@hono/zod-openapi";
import { findCurrent, findVersion, listVersions } from "../db/versions";
import { ApiError } from "../errors";
import { createRouter, errors, json } from "../openapi";
import { IdParams, ListQuery, PublicVersion, versionList } from "../schemas";
import { publicVersion } from "../views";

const PublicListQuery = ListQuery.extend({
  status: z.enum(["ready", "retired"]).optional().openapi({ param: { name: "status", in: "query" } }),
});

const list = createRoute({
  method: "get",
  path: "/models",
  summary: "List published versions, newest first",
  request: { query: PublicListQuery },
  responses: { 200: json(versionList(PublicVersion), "One page of versions."), ...errors(400) },
});

const current = createRoute({
  method: "get",
  path: "/models/current",
  summary: "The version the page should run",
  responses: { 200: json(PublicVersion, "The current version."), ...errors(404) },
});

const one = createRoute({
  method: "get",
  path: "/models/{id}",
  summary: "One published version",
  request: { params: IdParams },
  responses: { 200: json(PublicVersion, "The version."), ...errors(400, 404) },
});

/** Metadata changes on promote: caches must revalidate every time. */
const NO_CACHE = { "Cache-Control": "no-cache" };

export const models = createRouter()
  .openapi(list, async (c) => {
    const { limit, cursor, status } = c.req.valid("query");
    const statuses = status ? [status] : (["ready", "retired"] as const);
    const page = await listVersions(c.env.DB, statuses, limit, cursor ? Number(cursor) : undefined);
    const origin = new URL(c.req.url).origin;
    return c.json({ items: page.rows.map((row) => publicVersion(row, origin)), next_cursor: page.nextCursor }, 200, NO_CACHE);
  })
  .openapi(current, async (c) => {
    const row = await findCurrent(c.env.DB);
    if (!row) throw new ApiError(404, "no_current_model", "No version has been promoted yet: publish one and promote it.");
    return c.json(publicVersion(row, new URL(c.req.url).origin), 200, NO_CACHE);
  })
  .openapi(one, async (c) => {
    const row = await findVersion(c.env.DB, c.req.valid("param").id);
    if (!row || row.status === "pending") {
      throw new ApiError(404, "version_not_found", "No published version has this id: list them with GET /api/models.");
    }
    return c.json(publicVersion(row, new URL(c.req.url).origin), 200, NO_CACHE);
  });
