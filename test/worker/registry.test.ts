/** The life of a version: create, upload, finalize, promote, roll back, retire, delete. */
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import {
  ADMIN,
  bytesOf,
  call,
  expectError,
  expectJson,
  gate,
  manifestFor,
  ORIGIN,
  promote,
  publish,
  upload,
  withOverrides,
} from "./helpers.ts";

interface Version {
  id: string;
  status: string;
  current: boolean;
  promoted_at: string | null;
  manifest: { id: string; files: { name: string; sha256: string; url: string }[]; training: Record<string, unknown> };
  files?: { name: string; verified: boolean }[];
}

describe("a pending version", () => {
  it("is invisible to public routes until finalized, then visible with file urls", async () => {
    const weights = { "model.onnx": bytesOf(3000, 1), "model.fp16.onnx": bytesOf(1500, 2) };
    const manifest = await manifestFor("lifecycle-a", weights);
    const created = await expectJson<Version>(call("/api/admin/models", { method: "POST", token: ADMIN, json: manifest }), 201);
    expect(created.status).toBe("pending");
    expect(created.files?.every((file) => !file.verified)).toBe(true);

    await expectError(call("/api/models/lifecycle-a"), 404, "version_not_found");
    expect((await expectJson<{ items: Version[] }>(call("/api/models"), 200)).items.map((v) => v.id)).not.toContain("lifecycle-a");
    const sha = manifest.files[0]?.sha256 ?? "";

    expect((await upload("lifecycle-a", "model.onnx", weights["model.onnx"])).status).toBe(201);
    // Uploaded but not finalized: the weights are not public either.
    await expectError(call(`/api/weights/${sha}`), 404, "weights_not_found");
    const early = await expectError(call("/api/admin/models/lifecycle-a/finalize", { method: "POST", token: ADMIN }), 409, "files_missing");
    expect(early.missing).toEqual(["model.fp16.onnx"]);

    expect((await upload("lifecycle-a", "model.fp16.onnx", weights["model.fp16.onnx"])).status).toBe(201);
    const admin = await expectJson<Version>(call("/api/admin/models/lifecycle-a", { token: ADMIN }), 200);
    expect(admin.files?.every((file) => file.verified)).toBe(true);
    expect((await expectJson<Version>(call("/api/admin/models/lifecycle-a/finalize", { method: "POST", token: ADMIN }), 200)).status).toBe(
      "ready",
    );

    const published = await expectJson<Version>(call("/api/models/lifecycle-a"), 200);
    expect(published.id).toBe("lifecycle-a");
    expect(published.manifest.training.extra).toEqual({ ema: 0.999 });
    expect(published.manifest.files.map((file) => file.url)).toEqual(manifest.files.map((file) => `${ORIGIN}/api/weights/${file.sha256}`));
    expect(new Uint8Array(await (await call(`/api/weights/${sha}`)).arrayBuffer())).toEqual(weights["model.onnx"]);
  });

  it("is listed for admins with the status filter", async () => {
    await expectJson(
      call("/api/admin/models", {
        method: "POST",
        token: ADMIN,
        json: await manifestFor("lifecycle-pending", { "m.onnx": bytesOf(10, 3) }),
      }),
      201,
    );
    const page = await expectJson<{ items: Version[] }>(call("/api/admin/models?status=pending", { token: ADMIN }), 200);
    expect(page.items.map((v) => v.id)).toContain("lifecycle-pending");
    expect(page.items.every((v) => v.status === "pending")).toBe(true);
  });
});

describe("publishing is idempotent", () => {
  it("re-creating with the same manifest returns the version; a different one is a conflict", async () => {
    const weights = { "model.onnx": bytesOf(200, 4) };
    const manifest = await publish("idem-a", weights);
    const again = await expectJson<Version>(call("/api/admin/models", { method: "POST", token: ADMIN, json: manifest }), 200);
    expect(again.status).toBe("ready");
    const changed = { ...manifest, name: "another name" };
    await expectError(call("/api/admin/models", { method: "POST", token: ADMIN, json: changed }), 409, "version_exists");
  });

  it("re-uploading a stored file answers 200 without rewriting it", async () => {
    const weights = { "model.onnx": bytesOf(200, 5) };
    const manifest = await publish("idem-b", weights);
    const key = `weights/${manifest.files[0]?.sha256}`;
    const before = await env.WEIGHTS.head(key);
    const res = await upload("idem-b", "model.onnx", weights["model.onnx"]);
    expect(res.status).toBe(200);
    expect((await res.json<{ file: { verified: boolean } }>()).file.verified).toBe(true);
    expect((await env.WEIGHTS.head(key))?.uploaded).toEqual(before?.uploaded);
  });

  it("a file a published version already stored needs no upload", async () => {
    const shared = bytesOf(300, 6);
    await publish("idem-c1", { "model.onnx": shared });
    await expectJson(
      call("/api/admin/models", { method: "POST", token: ADMIN, json: await manifestFor("idem-c2", { "model.onnx": shared }) }),
      201,
    );
    expect((await expectJson<Version>(call("/api/admin/models/idem-c2/finalize", { method: "POST", token: ADMIN }), 200)).status).toBe(
      "ready",
    );
  });
});

describe("current model", () => {
  it("is 404 before any promote, then follows promote, rollback and guards", async () => {
    await expectError(call("/api/models/current"), 404, "no_current_model");
    await publish("cur-a", { "model.onnx": bytesOf(100, 7) });
    await publish("cur-b", { "model.onnx": bytesOf(100, 8) });
    await expectJson(
      call("/api/admin/models", { method: "POST", token: ADMIN, json: await manifestFor("cur-pending", { "x.onnx": bytesOf(9, 9) }) }),
      201,
    );

    await expectJson(promote("cur-a"), 200);
    expect((await expectJson<Version>(call("/api/models/current"), 200)).id).toBe("cur-a");
    await expectJson(promote("cur-b"), 200);
    const current = await expectJson<Version>(call("/api/models/current"), 200);
    expect(current).toMatchObject({ id: "cur-b", current: true, status: "ready" });

    await expectError(promote("cur-pending"), 409, "version_not_ready");
    await expectError(call("/api/admin/models/cur-pending/retire", { method: "POST", token: ADMIN }), 409, "version_not_ready");
    await expectError(promote("no-such-version"), 404, "version_not_found");

    const rolledBack = await expectJson<Version>(call("/api/admin/rollback", { method: "POST", token: ADMIN }), 200);
    expect(rolledBack.id).toBe("cur-a");
    expect((await expectJson<Version>(call("/api/models/current"), 200)).id).toBe("cur-a");

    // The current version can be neither retired nor deleted: there is always a current model.
    await expectError(call("/api/admin/models/cur-a/retire", { method: "POST", token: ADMIN }), 409, "version_is_current");
    await expectError(call("/api/admin/models/cur-a", { method: "DELETE", token: ADMIN }), 409, "version_is_current");

    const retired = await expectJson<Version>(call("/api/admin/models/cur-b/retire", { method: "POST", token: ADMIN }), 200);
    expect(retired.status).toBe("retired");
    await expectError(promote("cur-b"), 409, "version_retired");
    await expectError(call("/api/admin/rollback", { method: "POST", token: ADMIN }), 409, "no_previous_version");
    const listed = await expectJson<{ items: Version[] }>(call("/api/models?status=retired"), 200);
    expect(listed.items.map((v) => v.id)).toContain("cur-b");
  });
});

describe("deleting a version", () => {
  it("removes its weights from R2 unless another version uses them", async () => {
    const shared = bytesOf(400, 10);
    const own = bytesOf(400, 11);
    const manifest = await publish("del-a", { "model.onnx": shared, "model.fp16.onnx": own });
    await publish("del-b", { "model.onnx": shared });
    const [sharedSha, ownSha] = manifest.files.map((file) => file.sha256);

    const res = await call("/api/admin/models/del-a", { method: "DELETE", token: ADMIN });
    expect(res.status).toBe(204);
    await expectError(call("/api/models/del-a"), 404, "version_not_found");
    expect(await env.WEIGHTS.head(`weights/${ownSha}`)).toBeNull();
    expect(await env.WEIGHTS.head(`weights/${sharedSha}`)).not.toBeNull();
    expect((await call(`/api/weights/${sharedSha}`)).status).toBe(200);
    await expectError(call(`/api/weights/${ownSha}`), 404, "weights_not_found");
  });

  it("leaves a tombstone for a published version: its id is never registered again", async () => {
    const manifest = await publish("tomb-a", { "model.onnx": bytesOf(100, 13) });
    // Served as immutable for a year: a cache anywhere may still hold this manifest under this id.
    expect((await call("/api/models/tomb-a")).headers.get("Cache-Control")).toContain("immutable");
    expect((await call("/api/admin/models/tomb-a", { method: "DELETE", token: ADMIN })).status).toBe(204);
    for (const json of [{ ...manifest, name: "another meaning" }, manifest]) {
      const body = await expectError(call("/api/admin/models", { method: "POST", token: ADMIN, json }), 409, "version_id_retired");
      expect(body.message).toContain("new id");
    }
    await expectError(call("/api/models/tomb-a"), 404, "version_not_found");
  });

  it("leaves no tombstone for a version never published, which nothing can have cached", async () => {
    const manifest = await manifestFor("tomb-pending", { "model.onnx": bytesOf(100, 14) });
    const register = () => call("/api/admin/models", { method: "POST", token: ADMIN, json: manifest });
    await expectJson(register(), 201);
    expect((await call("/api/admin/models/tomb-pending", { method: "DELETE", token: ADMIN })).status).toBe(204);
    await expectJson(register(), 201);
  });

  it("cannot strand a file that a version registered meanwhile would use", async () => {
    const bytes = bytesOf(600, 15);
    const manifest = await publish("del-race-a", { "model.onnx": bytes });
    const sha = manifest.files[0]?.sha256 ?? "";
    // The delete is held after its D1 transaction, before R2 drops the file it found unused.
    const held = gate();
    const WEIGHTS = withOverrides(env.WEIGHTS, {
      delete: async (keys: string | string[]) => {
        if ([keys].flat().includes(`weights/${sha}`)) await held.pass();
        return env.WEIGHTS.delete(keys);
      },
    });
    const deleting = call("/api/admin/models/del-race-a", { method: "DELETE", token: ADMIN, env: { WEIGHTS } });
    await held.reached;

    const reuse = await manifestFor("del-race-b", { "model.onnx": bytes });
    const register = () => call("/api/admin/models", { method: "POST", token: ADMIN, json: reuse });
    const refused = await register();
    expect(refused.headers.get("Retry-After")).toBe("5");
    expect((await expectError(refused, 409, "weights_being_deleted")).sha256s).toEqual([sha]);
    held.open();
    expect((await deleting).status).toBe(204);
    expect(await env.WEIGHTS.head(`weights/${sha}`)).toBeNull();

    // Once the file is gone the version registers, must upload it, and serves what it finalized.
    const created = await expectJson<Version>(register(), 201);
    expect(created.files?.map((file) => file.verified)).toEqual([false]);
    expect((await upload("del-race-b", "model.onnx", bytes)).status).toBe(201);
    await expectJson(call("/api/admin/models/del-race-b/finalize", { method: "POST", token: ADMIN }), 200);
    expect(new Uint8Array(await (await call(`/api/weights/${sha}`)).arrayBuffer())).toEqual(bytes);
  });
});

describe("listing", () => {
  it("lists summaries that link to the whole version, never whole manifests; a student names its teacher", async () => {
    const weights = { "model.onnx": bytesOf(700, 30), "model.fp16.onnx": bytesOf(350, 31) };
    const manifest = await manifestFor("summary-v", weights);
    // A 10000-step schedule: about 200 kB of manifest that the list must not carry.
    const timesteps = 10000;
    const big = {
      ...manifest,
      teacher: "its-teacher",
      diffusion: {
        ...manifest.diffusion,
        timesteps,
        alphas_cumprod: Array.from({ length: timesteps }, (_, t) => 1 - (t + 0.5) / timesteps),
      },
    };
    await expectJson(call("/api/admin/models", { method: "POST", token: ADMIN, json: big }), 201);
    for (const [name, bytes] of Object.entries(weights)) expect((await upload("summary-v", name, bytes)).status).toBe(201);
    await expectJson(call("/api/admin/models/summary-v/finalize", { method: "POST", token: ADMIN }), 200);

    const res = await call("/api/models?limit=1");
    const text = await res.text();
    expect(res.status).toBe(200);
    expect(text.length).toBeLessThan(2000);
    const [item] = (JSON.parse(text) as { items: Record<string, unknown>[] }).items;
    expect(item).toEqual({
      id: "summary-v",
      status: "ready",
      current: false,
      created_at: expect.any(String),
      finalized_at: expect.any(String),
      promoted_at: null,
      name: manifest.name,
      created: manifest.created,
      image: manifest.image,
      class_count: manifest.classes.names.length,
      generate: manifest.defaults.generate,
      teacher: "its-teacher",
      files: manifest.files.map(({ name, variant, bytes }) => ({ name, variant, bytes })),
      url: `${ORIGIN}/api/models/summary-v`,
    });
    const full = await expectJson<Version & { manifest: { diffusion: { alphas_cumprod: number[] } } }>(
      call(new URL(String(item?.url)).pathname),
      200,
    );
    expect(full.manifest.diffusion.alphas_cumprod).toHaveLength(timesteps);
  });

  it("pages through published versions newest first with a cursor", async () => {
    for (const n of [1, 2, 3]) await publish(`page-${n}`, { "model.onnx": bytesOf(50, 20 + n) });
    const ids: string[] = [];
    let cursor: string | null = null;
    do {
      const query: string = cursor ? `?limit=2&cursor=${cursor}` : "?limit=2";
      const page: { items: Version[]; next_cursor: string | null } = await expectJson(call(`/api/models${query}`), 200);
      expect(page.items.length).toBeLessThanOrEqual(2);
      ids.push(...page.items.map((v) => v.id));
      cursor = page.next_cursor;
    } while (cursor);
    expect(ids.filter((id) => id.startsWith("page-"))).toEqual(["page-3", "page-2", "page-1"]);
  });
});
