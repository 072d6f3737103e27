/** Uploads only land when size and sha256 match the manifest; failures leave nothing visible. */
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { ADMIN, bytesOf, call, expectError, expectJson, manifestFor, publish, sha256Hex, streamOf, tokenWith, upload } from "./helpers.ts";

/** MAX_UPLOAD_BYTES in the test configuration. */
const LIMIT = 5 * 1024 * 1024;

async function create(id: string, weights: Record<string, Uint8Array>) {
  const manifest = await manifestFor(id, weights);
  await expectJson(call("/api/admin/models", { method: "POST", token: ADMIN, json: manifest }), 201);
  return manifest;
}

/** Nothing of the version is stored, verified or public. */
async function expectNothingVisible(id: string, sha: string) {
  expect(await env.WEIGHTS.head(`weights/${sha}`)).toBeNull();
  const admin = await expectJson<{ status: string; files: { verified: boolean }[] }>(
    call(`/api/admin/models/${id}`, { token: ADMIN }),
    200,
  );
  expect(admin.status).toBe("pending");
  expect(admin.files.some((file) => file.verified)).toBe(false);
  await expectError(call(`/api/admin/models/${id}/finalize`, { method: "POST", token: ADMIN }), 409, "files_missing");
  await expectError(call(`/api/models/${id}`), 404, "version_not_found");
  await expectError(call(`/api/weights/${sha}`), 404, "weights_not_found");
}

describe("single-request upload", () => {
  it("rejects bytes whose sha256 differs from the manifest", async () => {
    const good = bytesOf(1000, 1);
    const manifest = await create("bad-sha", { "model.onnx": good });
    const tampered = good.slice();
    tampered[500] = (tampered[500] ?? 0) ^ 1;
    const body = await expectError(upload("bad-sha", "model.onnx", tampered), 422, "sha256_mismatch");
    expect(body.message).toContain(await sha256Hex(tampered));
    await expectNothingVisible("bad-sha", manifest.files[0]?.sha256 ?? "");
  });

  it("rejects a truncated streamed body", async () => {
    const good = bytesOf(1000, 2);
    const manifest = await create("truncated", { "model.onnx": good });
    await expectError(upload("truncated", "model.onnx", streamOf(good.slice(0, 600))), 400, "size_mismatch");
    await expectNothingVisible("truncated", manifest.files[0]?.sha256 ?? "");
  });

  it("rejects a streamed body longer than the manifest says", async () => {
    const good = bytesOf(1000, 3);
    const manifest = await create("too-long", { "model.onnx": good });
    const longer = new Uint8Array(1200);
    longer.set(good);
    await expectError(upload("too-long", "model.onnx", streamOf(longer)), 400, "size_mismatch");
    await expectNothingVisible("too-long", manifest.files[0]?.sha256 ?? "");
  });

  it("rejects a Content-Length that differs from the manifest before reading", async () => {
    const good = bytesOf(1000, 4);
    const manifest = await create("short-length", { "model.onnx": good });
    await expectError(upload("short-length", "model.onnx", good.slice(0, 999)), 400, "size_mismatch");
    await expectNothingVisible("short-length", manifest.files[0]?.sha256 ?? "");
  });

  it("refuses a file over the single-request limit and points to multipart", async () => {
    const big = bytesOf(LIMIT + 1, 5);
    const manifest = await create("oversize", { "model.onnx": big });
    const body = await expectError(upload("oversize", "model.onnx", big), 413, "payload_too_large");
    expect(body.message).toContain("multipart");
    await expectNothingVisible("oversize", manifest.files[0]?.sha256 ?? "");
  });

  it("refuses files the manifest does not list", async () => {
    await create("unlisted", { "model.onnx": bytesOf(10, 6) });
    await expectError(upload("unlisted", "other.onnx", bytesOf(10, 6)), 404, "file_not_in_manifest");
    await expectError(upload("no-such-version", "model.onnx", bytesOf(10, 6)), 404, "version_not_found");
  });
});

/** Runs a multipart upload of `bytes` in parts of `partSize`; returns the complete response. */
async function multipartUpload(id: string, name: string, bytes: Uint8Array, partSize: number, skipPart?: number) {
  const base = `/api/admin/models/${id}/files/${name}/uploads`;
  const started = await expectJson<{ upload_id: string }>(call(base, { method: "POST", token: ADMIN }), 201);
  const parts: { part_number: number; etag: string }[] = [];
  for (let offset = 0, n = 1; offset < bytes.byteLength; offset += partSize, n++) {
    if (n === skipPart) continue;
    const part = bytes.slice(offset, offset + partSize);
    parts.push(await expectJson(call(`${base}/${started.upload_id}/parts/${n}`, { method: "PUT", token: ADMIN, body: part }), 200));
  }
  return {
    uploadId: started.upload_id,
    complete: call(`${base}/${started.upload_id}/complete`, { method: "POST", token: ADMIN, json: { parts } }),
  };
}

describe("multipart upload", () => {
  it("assembles a file larger than one request and verifies it", async () => {
    const big = bytesOf(LIMIT + 123, 7);
    const manifest = await create("multi-ok", { "model.onnx": big });
    const { complete } = await multipartUpload("multi-ok", "model.onnx", big, LIMIT);
    expect((await expectJson<{ file: { verified: boolean } }>(complete, 201)).file.verified).toBe(true);
    await expectJson(call("/api/admin/models/multi-ok/finalize", { method: "POST", token: ADMIN }), 200);
    const sha = manifest.files[0]?.sha256 ?? "";
    const res = await call(`/api/weights/${sha}`);
    expect(await sha256Hex(new Uint8Array(await res.arrayBuffer()))).toBe(sha);
    expect((await env.WEIGHTS.list({ prefix: "staging/" })).objects).toEqual([]);
  });

  it("rejects assembled bytes with the wrong sha256 and leaves nothing behind", async () => {
    const big = bytesOf(LIMIT + 500, 8);
    const manifest = await create("multi-bad", { "model.onnx": big });
    const tampered = big.slice();
    tampered[LIMIT + 10] = (tampered[LIMIT + 10] ?? 0) ^ 0xff;
    const { complete } = await multipartUpload("multi-bad", "model.onnx", tampered, LIMIT);
    await expectError(complete, 422, "sha256_mismatch");
    await expectNothingVisible("multi-bad", manifest.files[0]?.sha256 ?? "");
    expect((await env.WEIGHTS.list({ prefix: "staging/" })).objects).toEqual([]);
  });

  it("rejects a missing part as a size mismatch", async () => {
    const big = bytesOf(LIMIT * 2 + 1, 9);
    const manifest = await create("multi-missing", { "model.onnx": big });
    const { complete } = await multipartUpload("multi-missing", "model.onnx", big, LIMIT, 2);
    await expectError(complete, 400, "size_mismatch");
    await expectNothingVisible("multi-missing", manifest.files[0]?.sha256 ?? "");
  });

  it("refuses parts over the limit, parts without Content-Length, and unknown uploads", async () => {
    await create("multi-limits", { "model.onnx": bytesOf(LIMIT * 2, 10) });
    const base = "/api/admin/models/multi-limits/files/model.onnx/uploads";
    const { upload_id } = await expectJson<{ upload_id: string }>(call(base, { method: "POST", token: ADMIN }), 201);
    await expectError(
      call(`${base}/${upload_id}/parts/1`, { method: "PUT", token: ADMIN, body: bytesOf(LIMIT + 1, 11) }),
      413,
      "payload_too_large",
    );
    await expectError(
      call(`${base}/${upload_id}/parts/1`, { method: "PUT", token: ADMIN, body: streamOf(bytesOf(10, 11)) }),
      411,
      "length_required",
    );
    const unknown = `upl_${"0".repeat(32)}`;
    await expectError(call(`${base}/${unknown}/parts/1`, { method: "PUT", token: ADMIN, body: bytesOf(10, 12) }), 404, "upload_not_found");
    expect((await call(`${base}/${upload_id}`, { method: "DELETE", token: ADMIN })).status).toBe(204);
    await expectError(
      call(`${base}/${upload_id}/parts/1`, { method: "PUT", token: ADMIN, body: bytesOf(10, 12) }),
      404,
      "upload_not_found",
    );
  });
});

describe("a manifest that lies about a file's size", () => {
  it("is refused by the upload shortcut and by finalize when R2 already holds the bytes, and stays out of the public list", async () => {
    const bytes = bytesOf(5000, 9);
    await publish("true-size", { "model.onnx": bytes });
    const lying = await manifestFor("lying-size", { "model.onnx": bytes });
    lying.files[0]!.bytes = 9000;
    await expectJson(call("/api/admin/models", { method: "POST", token: ADMIN, json: lying }), 201);

    const shortcut = await expectError(upload("lying-size", "model.onnx", bytes), 409, "size_mismatch");
    expect(shortcut.message).toContain("5000 bytes, but the manifest says 9000");
    await expectError(call("/api/admin/models/lying-size/finalize", { method: "POST", token: ADMIN }), 409, "size_mismatch");
    await expectError(call("/api/models/lying-size"), 404, "version_not_found");
    const head = await call(`/api/weights/${lying.files[0]!.sha256}`, { method: "HEAD" });
    expect(head.headers.get("Content-Length")).toBe("5000");
  });
});

describe("a new version that reuses stored weights", () => {
  it("is registered with those files verified, so it finalizes with nothing uploaded", async () => {
    const bytes = bytesOf(3000, 10);
    await publish("first-use", { "model.onnx": bytes });
    const reuse = await manifestFor("second-use", { "model.onnx": bytes });
    const created = await expectJson<{ files: { verified: boolean }[] }>(
      call("/api/admin/models", { method: "POST", token: ADMIN, json: reuse }),
      201,
    );
    expect(created.files.map((file) => file.verified)).toEqual([true]);
    await expectJson(call("/api/admin/models/second-use/finalize", { method: "POST", token: ADMIN }), 200);
  });
});

interface FileStates {
  status: string;
  files: { name: string; verified: boolean }[];
}

describe("bytes stored for a version nobody has published", () => {
  it("count for another version only once its publisher uploads them too", async () => {
    const unreleased = bytesOf(2000, 40);
    const owner = await tokenWith("models:write");
    const other = await tokenWith("models:write");
    const register = async (id: string, token: string) =>
      expectJson<FileStates>(
        call("/api/admin/models", { method: "POST", token, json: await manifestFor(id, { "model.onnx": unreleased }) }),
        201,
      );
    await register("unreleased-own", owner.token);
    expect((await upload("unreleased-own", "model.onnx", unreleased, owner.token)).status).toBe(201);

    // Naming the sha256 and size is not enough: nothing is verified, nothing can be finalized or downloaded.
    const claimed = await register("unreleased-claim", other.token);
    expect(claimed.files.map((file) => file.verified)).toEqual([false]);
    const finalize = (id: string, token: string) => call(`/api/admin/models/${id}/finalize`, { method: "POST", token });
    await expectError(finalize("unreleased-claim", other.token), 409, "files_missing");
    const multipart = await expectJson<{ upload_id: string | null }>(
      call("/api/admin/models/unreleased-claim/files/model.onnx/uploads", { method: "POST", token: other.token }),
      201,
    );
    expect(multipart.upload_id).not.toBeNull();
    const sha = await sha256Hex(unreleased);
    await expectError(call(`/api/weights/${sha}`), 404, "weights_not_found");

    // The token that uploaded them may reuse them, as anyone may once a version holding them is published.
    expect((await register("unreleased-own-2", owner.token)).files.map((file) => file.verified)).toEqual([true]);

    // Uploading the bytes proves them: the stored copy is kept, and the version can be finalized.
    const uploaded = await upload("unreleased-claim", "model.onnx", unreleased, other.token);
    expect(uploaded.status).toBe(200);
    expect((await expectJson<FileStates>(finalize("unreleased-claim", other.token), 200)).status).toBe("ready");
    expect((await register("unreleased-after", other.token)).files.map((file) => file.verified)).toEqual([true]);
  });

  it("an upload of other bytes to a stored file is read and refused, not answered verified", async () => {
    const bytes = bytesOf(1500, 41);
    await publish("stored-once", { "model.onnx": bytes });
    const wrong = bytes.slice();
    wrong[700] = (wrong[700] ?? 0) ^ 1;
    const refused = await expectError(upload("stored-once", "model.onnx", wrong), 422, "sha256_mismatch");
    expect(refused.message).toContain(await sha256Hex(wrong));
    await expectError(upload("stored-once", "model.onnx", bytes.slice(0, 1000)), 400, "size_mismatch");
    const matched = await upload("stored-once", "model.onnx", bytes);
    expect(matched.status).toBe(200);
    expect((await matched.json<{ file: { verified: boolean } }>()).file.verified).toBe(true);
  });
});
