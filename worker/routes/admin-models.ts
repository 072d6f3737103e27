/** Admin routes over versions: create from a manifest, inspect, finalize, promote, roll back, retire, delete. */
import { createRoute } from "@hono/zod-openapi";
import { removeWeights } from "../cleanup.ts";
import { canonicalJson, Manifest } from "../contract/manifest.ts";
import { AdminVersion, IdParams, ListQuery, PublicVersion, VersionStatus, versionList } from "../contract/schemas.ts";
import { adminVersion, publicVersion } from "../db/rows-to-json.ts";
import { listUploads } from "../db/uploads.ts";
import {
  claimStoredFiles,
  deleteVersion,
  finalizeVersion,
  findVersion,
  listFiles,
  listVersions,
  previousVersionId,
  promoteVersion,
  registerVersion,
  retireVersion,
  type VersionRow,
} from "../db/versions.ts";
import type { Bindings } from "../env.ts";
import { principalOf } from "../http/auth.ts";
import { jsonBodyLimit } from "../http/body-limit.ts";
import { purgeCurrent } from "../http/current-cache.ts";
import { ApiError } from "../http/errors.ts";
import { adminOnly, createRouter, errors, json } from "../http/openapi.ts";
import { discardUploads, storedSize, wrongSize } from "../storage.ts";
import { now } from "../time.ts";

/** A manifest with a 1000-step alphas_cumprod table is about 25 kB; this leaves ample room. */
const manifestLimit = jsonBodyLimit(1024 * 1024, "A manifest");

function versionNotFound(): ApiError {
  return new ApiError(404, "version_not_found", "No version has this id: list them with GET /api/admin/models.");
}

async function requireVersion(db: D1Database, id: string): Promise<VersionRow> {
  const row = await findVersion(db, id);
  if (!row) throw versionNotFound();
  return row;
}

async function adminView(env: Bindings, row: VersionRow, url: string) {
  return adminVersion(row, await listFiles(env.DB, row.id), new URL(url).origin);
}

const create = createRoute({
  method: "post",
  path: "/admin/models",
  summary: "Register a version from its manifest (pending until finalized)",
  ...adminOnly("models:write", manifestLimit),
  request: { body: { required: true, content: { "application/json": { schema: Manifest } } } },
  responses: {
    200: json(AdminVersion, "A version with this id and an identical manifest already exists (publishing is idempotent)."),
    201: json(AdminVersion, "Created, status `pending`: upload each file, then finalize."),
    ...errors(400, 401, 403, 409, 413, 429),
  },
});

const list = createRoute({
  method: "get",
  path: "/admin/models",
  summary: "List versions of any status, with upload state per file",
  ...adminOnly("models:write"),
  request: {
    query: ListQuery.extend({ status: VersionStatus.optional().openapi({ param: { name: "status", in: "query" } }) }),
  },
  responses: { 200: json(versionList(AdminVersion), "One page of versions, newest first."), ...errors(400, 401, 403, 429) },
});

const get = createRoute({
  method: "get",
  path: "/admin/models/{id}",
  summary: "One version of any status, with upload state per file",
  ...adminOnly("models:write"),
  request: { params: IdParams },
  responses: { 200: json(AdminVersion, "The version."), ...errors(400, 401, 403, 404, 429) },
});

const finalize = createRoute({
  method: "post",
  path: "/admin/models/{id}/finalize",
  summary: "Publish a pending version once all its files are present and verified",
  ...adminOnly("models:write"),
  request: { params: IdParams },
  responses: {
    200: json(AdminVersion, "The version is `ready` (finalizing a published version changes nothing)."),
    ...errors(400, 401, 403, 404, 409, 429),
  },
});

const promote = createRoute({
  method: "post",
  path: "/admin/models/{id}/promote",
  summary: "Make a ready version the current one",
  ...adminOnly("models:promote"),
  request: { params: IdParams },
  responses: { 200: json(PublicVersion, "The promoted version."), ...errors(400, 401, 403, 404, 409, 429) },
});

const rollback = createRoute({
  method: "post",
  path: "/admin/rollback",
  summary: "Promote again the ready version that was current before the current one",
  ...adminOnly("models:promote"),
  responses: { 200: json(PublicVersion, "The version that is current now."), ...errors(401, 403, 409, 429) },
});

const retire = createRoute({
  method: "post",
  path: "/admin/models/{id}/retire",
  summary: "Retire a ready version (still listed, never promoted again); not the current one",
  ...adminOnly("models:promote"),
  request: { params: IdParams },
  responses: { 200: json(PublicVersion, "The retired version."), ...errors(400, 401, 403, 404, 409, 429) },
});

const remove = createRoute({
  method: "delete",
  path: "/admin/models/{id}",
  summary: "Delete a version and the weight files no other version uses; not the current one",
  ...adminOnly("models:promote"),
  request: { params: IdParams },
  responses: { 204: { description: "Deleted." }, ...errors(400, 401, 403, 404, 409, 429) },
});

function isCurrent(): ApiError {
  return new ApiError(409, "version_is_current", "This is the current version: promote another one (or roll back) first.");
}

export const adminModels = createRouter()
  .openapi(create, async (c) => {
    const manifest = c.req.valid("json");
    const canonical = canonicalJson(manifest);
    const stamp = now();
    const registration = await registerVersion(c.env.DB, manifest, canonical, stamp);
    if (registration.outcome === "id_retired") {
      throw new ApiError(
        409,
        "version_id_retired",
        `A published version with this id was deleted at ${registration.deletedAt}, and caches may keep its manifest for a year: publish under a new id.`,
      );
    }
    if (registration.outcome === "weights_being_deleted") {
      throw new ApiError(
        409,
        "weights_being_deleted",
        "A delete is removing files this manifest names from storage: retry in a few seconds, then upload them.",
        { sha256s: registration.sha256s },
        { "Retry-After": "5" },
      );
    }
    const row = await requireVersion(c.env.DB, manifest.id);
    const created = registration.outcome === "created";
    if (!created && row.manifest !== canonical) {
      throw new ApiError(409, "version_exists", "A version with this id and a different manifest exists: publish under a new id.");
    }
    // Files already stored for a published version, or by this token, need no upload: the
    // publisher sees them verified and never sends megabytes again.
    if (created) await claimStoredFiles(c.env.DB, manifest.id, null, principalOf(c).tokenId, stamp);
    return c.json(await adminView(c.env, row, c.req.url), created ? 201 : 200);
  })
  .openapi(list, async (c) => {
    const { limit, cursor, status } = c.req.valid("query");
    const statuses = status ? [status] : (["pending", "ready", "retired"] as const);
    const page = await listVersions(c.env.DB, statuses, limit, cursor ? Number(cursor) : undefined);
    const items = await Promise.all(page.rows.map((row) => adminView(c.env, row, c.req.url)));
    return c.json({ items, next_cursor: page.nextCursor }, 200);
  })
  .openapi(get, async (c) => {
    const row = await requireVersion(c.env.DB, c.req.valid("param").id);
    return c.json(await adminView(c.env, row, c.req.url), 200);
  })
  .openapi(finalize, async (c) => {
    const { id } = c.req.valid("param");
    const row = await requireVersion(c.env.DB, id);
    if (row.status === "pending") {
      // Files another version stored since this one was registered count as they would have then.
      const stamp = now();
      await claimStoredFiles(c.env.DB, id, null, principalOf(c).tokenId, stamp);
      const unverified = (await listFiles(c.env.DB, id)).filter((file) => file.verified_at === null);
      const sizes = await Promise.all(unverified.map((file) => storedSize(c.env.WEIGHTS, file.sha256)));
      for (const [i, file] of unverified.entries()) {
        const size = sizes[i] ?? null;
        if (size !== null && size !== file.bytes) throw new ApiError(409, "size_mismatch", wrongSize(file.name, size, file.bytes));
      }
      const missing = unverified.map((file) => file.name);
      if (missing.length > 0) {
        throw new ApiError(
          409,
          "files_missing",
          `Upload these files before finalizing: ${missing.join(", ")} (bytes stored by another token for a version not yet published count only once uploaded here too).`,
          { missing },
        );
      }
      await finalizeVersion(c.env.DB, id, stamp);
    }
    return c.json(await adminView(c.env, await requireVersion(c.env.DB, id), c.req.url), 200);
  })
  .openapi(promote, async (c) => {
    const { id } = c.req.valid("param");
    if (!(await promoteVersion(c.env.DB, id, now()))) {
      const row = await requireVersion(c.env.DB, id);
      throw row.status === "pending"
        ? new ApiError(409, "version_not_ready", "This version is still pending: upload its files and finalize it first.")
        : new ApiError(409, "version_retired", "Retired versions cannot be promoted: publish the model again under a new id.");
    }
    await purgeCurrent(c.req.url);
    return c.json(publicVersion(await requireVersion(c.env.DB, id), new URL(c.req.url).origin), 200);
  })
  .openapi(rollback, async (c) => {
    const target = await previousVersionId(c.env.DB);
    if (!target || !(await promoteVersion(c.env.DB, target, now()))) {
      throw new ApiError(409, "no_previous_version", "No other ready version was ever current: promote one by id instead.");
    }
    await purgeCurrent(c.req.url);
    return c.json(publicVersion(await requireVersion(c.env.DB, target), new URL(c.req.url).origin), 200);
  })
  .openapi(retire, async (c) => {
    const { id } = c.req.valid("param");
    const retired = await retireVersion(c.env.DB, id);
    const row = await requireVersion(c.env.DB, id);
    if (!retired && row.status !== "retired") {
      throw row.status === "pending"
        ? new ApiError(409, "version_not_ready", "Pending versions are not published: delete it instead.")
        : isCurrent();
    }
    return c.json(publicVersion(row, new URL(c.req.url).origin), 200);
  })
  .openapi(remove, async (c) => {
    const { id } = c.req.valid("param");
    const row = await requireVersion(c.env.DB, id);
    if (row.current) throw isCurrent();
    const uploads = await listUploads(c.env.DB, id);
    const { deleted, orphans } = await deleteVersion(c.env.DB, id, now());
    if (!deleted) throw (await findVersion(c.env.DB, id)) ? isCurrent() : versionNotFound();
    await discardUploads(c.env.WEIGHTS, uploads);
    // D1 no longer points at these objects, and no version can register them until they are gone.
    await removeWeights(c.env, orphans);
    return c.body(null, 204);
  });
