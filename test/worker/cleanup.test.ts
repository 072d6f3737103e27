/** The hourly cron aborts multipart uploads abandoned for over a day, and finishes deletes cut off before R2. */
import { createScheduledController } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { expect, it } from "vitest";
import worker from "../../worker/index.ts";
import { ADMIN, bytesOf, call, expectError, expectJson, manifestFor, publish, withOverrides } from "./helpers.ts";

const PART = 5 * 1024 * 1024;
const DAY_MS = 24 * 60 * 60 * 1000;

/** Starts a multipart upload of a two-part file and sends its first part. */
async function startUpload(id: string, seed: number) {
  const file = bytesOf(PART + 10, seed);
  await expectJson(call("/api/admin/models", { method: "POST", token: ADMIN, json: await manifestFor(id, { "model.onnx": file }) }), 201);
  const base = `/api/admin/models/${id}/files/model.onnx/uploads`;
  const { upload_id } = await expectJson<{ upload_id: string }>(call(base, { method: "POST", token: ADMIN }), 201);
  await expectJson(call(`${base}/${upload_id}/parts/1`, { method: "PUT", token: ADMIN, body: file.slice(0, PART) }), 200);
  const row = await env.DB.prepare("SELECT r2_key, r2_upload_id FROM uploads WHERE id = ?")
    .bind(upload_id)
    .first<{ r2_key: string; r2_upload_id: string }>();
  if (!row) throw new Error(`upload ${upload_id} has no row`);
  return {
    base: `${base}/${upload_id}`,
    multipart: env.WEIGHTS.resumeMultipartUpload(row.r2_key, row.r2_upload_id),
    rest: file.slice(PART),
  };
}

function runCron(scheduledTime: number): Promise<void> {
  return worker.scheduled(createScheduledController({ scheduledTime, cron: "23 * * * *" }), env);
}

it("aborts uploads started over 24 hours before the run and forgets them; younger ones continue", async () => {
  const abandoned = await startUpload("cron-abandoned", 1);
  const recent = await startUpload("cron-recent", 2);
  const dayAndMinuteAgo = new Date(Date.now() - DAY_MS - 60_000).toISOString();
  await env.DB.prepare("UPDATE uploads SET created_at = ? WHERE version_id = 'cron-abandoned'").bind(dayAndMinuteAgo).run();

  await runCron(Date.now());

  const left = await env.DB.prepare("SELECT version_id FROM uploads ORDER BY version_id").all<{ version_id: string }>();
  expect(left.results.map((row) => row.version_id)).toEqual(["cron-recent"]);
  await expectError(call(`${abandoned.base}/parts/2`, { method: "PUT", token: ADMIN, body: abandoned.rest }), 404, "upload_not_found");
  // R2 itself no longer takes parts for it: the upload was aborted, not just forgotten.
  await expect(abandoned.multipart.uploadPart(2, abandoned.rest)).rejects.toThrow();

  await expectJson(call(`${recent.base}/parts/2`, { method: "PUT", token: ADMIN, body: recent.rest }), 200);
  expect((await recent.multipart.uploadPart(2, recent.rest)).partNumber).toBe(2);
});

it("finds nothing to do when no upload is old enough", async () => {
  await startUpload("cron-young", 3);
  await runCron(Date.now() + DAY_MS - 60_000);
  const left = await env.DB.prepare("SELECT count(*) AS n FROM uploads WHERE version_id = 'cron-young'").first<number>("n");
  expect(left).toBe(1);
  await runCron(Date.now() + DAY_MS + 60_000);
  expect(await env.DB.prepare("SELECT count(*) AS n FROM uploads WHERE version_id = 'cron-young'").first<number>("n")).toBe(0);
});

it("finishes a delete cut off between D1 and R2: the file goes, then versions may register it again", async () => {
  const bytes = bytesOf(300, 4);
  const manifest = await publish("cron-cut-off", { "model.onnx": bytes });
  const key = `weights/${manifest.files[0]?.sha256}`;
  const cutOff = withOverrides(env.WEIGHTS, {
    delete: async () => {
      throw new Error("the Worker was cut off here");
    },
  });
  expect((await call("/api/admin/models/cron-cut-off", { method: "DELETE", token: ADMIN, env: { WEIGHTS: cutOff } })).status).toBe(500);
  expect(await env.WEIGHTS.head(key)).not.toBeNull();
  const register = async () =>
    call("/api/admin/models", { method: "POST", token: ADMIN, json: await manifestFor("cron-cut-off-2", { "model.onnx": bytes }) });
  await expectError(register(), 409, "weights_being_deleted");

  await runCron(Date.now());
  expect(await env.WEIGHTS.head(key)).toBeNull();
  await expectJson(register(), 201);
});
