/**
 * Admin routes that put weight files into R2: one request per file up to MAX_UPLOAD_BYTES, or a
 * multipart upload (start, parts, complete) for larger ones. Either way the Worker hashes the
 * bytes and only a file whose sha256 and size match the manifest is kept.
 */
import { createRoute, z } from "@hono/zod-openapi";
import { FileParams, FileState, PartParams, UploadParams } from "../contract/schemas.ts";
import { randomHex } from "../crypto.ts";
import { fileState } from "../db/rows-to-json.ts";
import { deleteUploads, findUpload, insertUpload } from "../db/uploads.ts";
import { claimStoredFiles, type FileRow, findFile, findVersion, markFileVerified } from "../db/versions.ts";
import { type Bindings, positiveIntVar } from "../env.ts";
import { principalOf } from "../http/auth.ts";
import { jsonBodyLimit } from "../http/body-limit.ts";
import { ApiError } from "../http/errors.ts";
import { adminOnly, createRouter, errors, json } from "../http/openapi.ts";
import { discardUploads, type StoreResult, stagingKey, storedSize, storeVerified, verifyBody, weightsKey, wrongSize } from "../storage.ts";
import { now } from "../time.ts";

/** Cloudflare's default: the Free and Pro plans refuse request bodies over 100 MB. */
const DEFAULT_MAX_UPLOAD_BYTES = 99_000_000;
/** R2 needs every part but the last to be at least this large. */
const MIN_PART_BYTES = 5 * 1024 * 1024;

function maxUploadBytes(env: Bindings): number {
  return positiveIntVar(env.MAX_UPLOAD_BYTES, DEFAULT_MAX_UPLOAD_BYTES);
}

async function requireFile(db: D1Database, id: string, name: string): Promise<FileRow> {
  const file = await findFile(db, id, name);
  if (file) return file;
  if (await findVersion(db, id)) {
    throw new ApiError(404, "file_not_in_manifest", "The version's manifest has no file with this name: upload the files it lists.");
  }
  throw new ApiError(404, "version_not_found", "No version has this id: create it with POST /api/admin/models first.");
}

/** Whether R2 already holds the file's bytes (by sha256); 409 if at another size than the manifest's, which then lies. */
async function isStored(env: Bindings, file: FileRow): Promise<boolean> {
  const size = await storedSize(env.WEIGHTS, file.sha256);
  if (size !== null && size !== file.bytes) throw new ApiError(409, "size_mismatch", wrongSize(file.name, size, file.bytes));
  return size !== null;
}

/** The Content-Length a part or file upload declares, checked against the limit before reading. */
function declaredLength(header: string | undefined, limit: number): number | null {
  if (header === undefined) return null;
  const length = Number(header);
  if (!/^\d+$/.test(header) || !Number.isSafeInteger(length)) {
    throw new ApiError(400, "invalid_request", "Content-Length must be a whole number of bytes.");
  }
  if (length > limit) {
    throw new ApiError(413, "payload_too_large", `One request may carry at most ${limit} bytes: use the multipart upload routes.`);
  }
  return length;
}

function storeFailure(result: Exclude<StoreResult, { ok: true }>): ApiError {
  return new ApiError(result.code === "sha256_mismatch" ? 422 : 400, result.code, result.message);
}

const FileResult = z.object({ file: FileState }).openapi("FileResult");

const upload = createRoute({
  method: "put",
  path: "/admin/models/{id}/files/{name}",
  summary: "Upload one file of a version in a single request (at most MAX_UPLOAD_BYTES)",
  ...adminOnly("models:write"),
  request: {
    params: FileParams,
    body: { content: { "application/octet-stream": { schema: { type: "string", format: "binary" } } } },
  },
  responses: {
    200: json(FileResult, "R2 already held these bytes: the body was read and matched them, and nothing was written."),
    201: json(FileResult, "Stored and verified."),
    ...errors(400, 401, 403, 404, 409, 413, 422, 429),
  },
});

const startUpload = createRoute({
  method: "post",
  path: "/admin/models/{id}/files/{name}/uploads",
  summary: "Start a multipart upload of one file",
  ...adminOnly("models:write"),
  request: { params: FileParams },
  responses: {
    200: json(
      FileResult.extend({ upload_id: z.null() }),
      "The file is verified already, or R2 holds its bytes for a published version or from this token: there is nothing to upload.",
    ),
    201: json(
      FileResult.extend({
        upload_id: z.string(),
        min_part_bytes: z.number().openapi({ description: "Every part but the last must be at least this large, and all the same size." }),
        max_part_bytes: z.number(),
      }),
      "Send the parts, then complete.",
    ),
    ...errors(400, 401, 403, 404, 409, 429),
  },
});

const putPart = createRoute({
  method: "put",
  path: "/admin/models/{id}/files/{name}/uploads/{upload_id}/parts/{part_number}",
  summary: "Upload one part (Content-Length required)",
  ...adminOnly("models:write"),
  request: {
    params: PartParams,
    body: { content: { "application/octet-stream": { schema: { type: "string", format: "binary" } } } },
  },
  responses: {
    200: json(z.object({ part_number: z.number(), etag: z.string() }), "Keep the etag for complete."),
    ...errors(400, 401, 403, 404, 411, 413, 429),
  },
});

const Parts = z.object({
  parts: z
    .array(z.object({ part_number: z.number().int().min(1).max(10000), etag: z.string().min(1).max(200) }))
    .min(1)
    .max(10000),
});

/** 10000 parts of `{"part_number":10000,"etag":"<200 characters>"},` are about 2.3 MB. */
const partsLimit = jsonBodyLimit(3 * 1024 * 1024, "A list of parts");

const completeUpload = createRoute({
  method: "post",
  path: "/admin/models/{id}/files/{name}/uploads/{upload_id}/complete",
  summary: "Assemble the parts, verify size and sha256, and store the file",
  ...adminOnly("models:write", partsLimit),
  request: { params: UploadParams, body: { required: true, content: { "application/json": { schema: Parts } } } },
  responses: { 201: json(FileResult, "Stored and verified."), ...errors(400, 401, 403, 404, 413, 422, 429) },
});

const abortUpload = createRoute({
  method: "delete",
  path: "/admin/models/{id}/files/{name}/uploads/{upload_id}",
  summary: "Abandon a multipart upload",
  ...adminOnly("models:write"),
  request: { params: UploadParams },
  responses: { 204: { description: "Aborted." }, ...errors(400, 401, 403, 404, 429) },
});

async function requireUpload(env: Bindings, params: z.infer<typeof UploadParams>) {
  const row = await findUpload(env.DB, params.upload_id, params.id, params.name);
  if (!row) throw new ApiError(404, "upload_not_found", "No upload in progress has this id: start one with POST .../uploads.");
  return { row, multipart: env.WEIGHTS.resumeMultipartUpload(row.r2_key, row.r2_upload_id) };
}

export const adminFiles = createRouter()
  .openapi(upload, async (c) => {
    const { id, name } = c.req.valid("param");
    const file = await requireFile(c.env.DB, id, name);
    const stored = await isStored(c.env, file);
    const body = c.req.raw.body;
    const limit = maxUploadBytes(c.env);
    if (file.bytes > limit) {
      throw new ApiError(
        413,
        "payload_too_large",
        `This file has ${file.bytes} bytes, over the ${limit}-byte limit of one request: use the multipart upload routes.`,
      );
    }
    const declared = declaredLength(c.req.header("Content-Length"), limit);
    if (!body || (declared !== null && declared !== file.bytes)) {
      throw new ApiError(
        400,
        "size_mismatch",
        `The manifest says ${file.bytes} bytes but the body has ${declared ?? 0}: upload the exact file.`,
      );
    }
    // Bytes R2 holds already spare the write, not the check: whoever uploads proves they have the file.
    const result = stored ? await verifyBody(body, file) : await storeVerified(c.env.WEIGHTS, weightsKey(file.sha256), body, file);
    if (!result.ok) throw storeFailure(result);
    await markFileVerified(c.env.DB, id, name, principalOf(c).tokenId, now());
    return c.json({ file: { ...fileState(file), verified: true } }, stored ? 200 : 201);
  })
  .openapi(startUpload, async (c) => {
    const { id, name } = c.req.valid("param");
    const file = await requireFile(c.env.DB, id, name);
    if (file.verified_at !== null || (await claimStoredFiles(c.env.DB, id, name, principalOf(c).tokenId, now())) > 0) {
      return c.json({ file: { ...fileState(file), verified: true }, upload_id: null }, 200);
    }
    // A manifest that lies about the size hears so now, not after every part.
    await isStored(c.env, file);
    const uploadId = `upl_${randomHex(16)}`;
    const multipart = await c.env.WEIGHTS.createMultipartUpload(stagingKey(uploadId));
    await insertUpload(c.env.DB, { id: uploadId, r2_upload_id: multipart.uploadId, version_id: id, name, r2_key: multipart.key }, now());
    return c.json(
      { file: fileState(file), upload_id: uploadId, min_part_bytes: MIN_PART_BYTES, max_part_bytes: maxUploadBytes(c.env) },
      201,
    );
  })
  .openapi(putPart, async (c) => {
    const params = c.req.valid("param");
    const { multipart } = await requireUpload(c.env, params);
    const length = declaredLength(c.req.header("Content-Length"), maxUploadBytes(c.env));
    const body = c.req.raw.body;
    if (length === null || !body) {
      throw new ApiError(411, "length_required", "Send each part with a Content-Length header.");
    }
    // R2 needs a stream of known length; FixedLengthStream also errors if the body is cut short.
    const fixed = new FixedLengthStream(length);
    const [, part] = await Promise.allSettled([body.pipeTo(fixed.writable), multipart.uploadPart(params.part_number, fixed.readable)]);
    if (part.status === "rejected") {
      // R2's own error text stays in the log: it says nothing the client can act on.
      console.error(`part ${params.part_number} of upload ${params.upload_id}: ${String(part.reason)}`);
      throw new ApiError(400, "upload_incomplete", `Part ${params.part_number} did not arrive whole: send it again.`);
    }
    return c.json({ part_number: part.value.partNumber, etag: part.value.etag }, 200);
  })
  .openapi(completeUpload, async (c) => {
    const params = c.req.valid("param");
    const { row, multipart } = await requireUpload(c.env, params);
    const file = await requireFile(c.env.DB, params.id, params.name);
    try {
      await multipart.complete(c.req.valid("json").parts.map((part) => ({ partNumber: part.part_number, etag: part.etag })));
    } catch (err) {
      console.error(`completing upload ${c.req.valid("param").upload_id}: ${String(err)}`);
      throw new ApiError(
        400,
        "invalid_parts",
        `R2 could not assemble these parts: send every part, all but the last of one size, at least ${MIN_PART_BYTES} bytes.`,
      );
    }
    const staged = await c.env.WEIGHTS.get(row.r2_key);
    if (!staged) throw new Error(`completed upload ${row.id} is missing from R2`);
    // R2 cannot copy objects, so the staged bytes stream through the same verified write as a single upload.
    const result = await storeVerified(c.env.WEIGHTS, weightsKey(file.sha256), staged.body, file);
    await c.env.WEIGHTS.delete(row.r2_key);
    await deleteUploads(c.env.DB, [row.id]);
    if (!result.ok) throw storeFailure(result);
    await markFileVerified(c.env.DB, params.id, params.name, principalOf(c).tokenId, now());
    return c.json({ file: { ...fileState(file), verified: true } }, 201);
  })
  .openapi(abortUpload, async (c) => {
    const { row } = await requireUpload(c.env, c.req.valid("param"));
    await discardUploads(c.env.WEIGHTS, [row]);
    await deleteUploads(c.env.DB, [row.id]);
    return c.body(null, 204);
  });
