/** What HTTP caches may keep: finalized versions forever, the current one for a few seconds; D1 is read accordingly. */
import { env } from "cloudflare:workers";
import { beforeAll, describe, expect, it } from "vitest";
import { ADMIN, bytesOf, call, expectError, expectJson, gate, manifestFor, promote, publish, withOverrides } from "./helpers.ts";

const IMMUTABLE = "public, max-age=31536000, immutable";
const STRONG_ETAG = /^"[0-9a-f]{64}"$/;

interface Version {
  id: string;
  current?: boolean;
  promoted_at?: string | null;
}

beforeAll(async () => {
  await publish("cache-a", { "model.onnx": bytesOf(100, 1) });
  await publish("cache-b", { "model.onnx": bytesOf(100, 2) });
});

describe("GET /api/models/{id}", () => {
  it("is immutable once finalized: a strong ETag, cacheable for a year, the same bytes after a promote", async () => {
    const first = await call("/api/models/cache-b");
    expect(first.status).toBe(200);
    expect(first.headers.get("Cache-Control")).toBe(IMMUTABLE);
    const etag = first.headers.get("ETag") ?? "";
    expect(etag).toMatch(STRONG_ETAG);
    const body = await first.text();
    // Nothing that a promote, rollback or retire changes is in it.
    expect(Object.keys(JSON.parse(body)).sort()).toEqual(["created_at", "finalized_at", "id", "manifest"]);

    await expectJson(promote("cache-b"), 200);
    const after = await call("/api/models/cache-b");
    expect(after.headers.get("ETag")).toBe(etag);
    expect(await after.text()).toBe(body);
  });

  it("answers If-None-Match with 304 and no body", async () => {
    const etag = (await call("/api/models/cache-a")).headers.get("ETag") ?? "";
    for (const header of [etag, `W/${etag}`, `"other", ${etag}`]) {
      const res = await call("/api/models/cache-a", { headers: { "If-None-Match": header } });
      expect(res.status, header).toBe(304);
      expect(res.headers.get("ETag")).toBe(etag);
      expect(res.headers.get("Cache-Control")).toBe(IMMUTABLE);
      expect(await res.text()).toBe("");
    }
    expect((await call("/api/models/cache-a", { headers: { "If-None-Match": '"stale"' } })).status).toBe(200);
  });

  it("is never publicly cacheable before it is finalized, nor in admin views", async () => {
    await expectJson(
      call("/api/admin/models", { method: "POST", token: ADMIN, json: await manifestFor("cache-pending", { "m.onnx": bytesOf(10, 3) }) }),
      201,
    );
    const pending = await call("/api/models/cache-pending");
    expect(pending.status).toBe(404);
    expect(pending.headers.get("Cache-Control") ?? "").not.toMatch(/public|immutable|max-age/);
    for (const path of ["/api/admin/models/cache-pending", "/api/admin/models/cache-a"]) {
      const admin = await call(path, { token: ADMIN });
      expect(admin.status, path).toBe(200);
      expect(admin.headers.get("Cache-Control"), path).toBe("no-store");
    }
  });
});

describe("GET /api/models/current", () => {
  it("revalidates by ETag, caches briefly, and shows a promote or rollback at once", async () => {
    await expectJson(promote("cache-a"), 200);
    const first = await call("/api/models/current");
    expect(first.status).toBe(200);
    expect((await first.json<Version>()).id).toBe("cache-a");
    const [, maxAge, stale] = /^public, max-age=(\d+), stale-while-revalidate=(\d+)$/.exec(first.headers.get("Cache-Control") ?? "") ?? [];
    expect(Number(maxAge)).toBeGreaterThanOrEqual(10);
    expect(Number(maxAge)).toBeLessThanOrEqual(30);
    expect(Number(stale)).toBeGreaterThan(0);
    const etagA = first.headers.get("ETag") ?? "";
    expect(etagA).toMatch(STRONG_ETAG);

    const revalidated = await call("/api/models/current", { headers: { "If-None-Match": etagA } });
    expect(revalidated.status).toBe(304);
    expect(revalidated.headers.get("ETag")).toBe(etagA);
    expect(revalidated.headers.get("Cache-Control")).toBe(first.headers.get("Cache-Control"));
    expect(await revalidated.text()).toBe("");

    await expectJson(promote("cache-b"), 200);
    const promoted = await call("/api/models/current", { headers: { "If-None-Match": etagA } });
    expect(promoted.status).toBe(200);
    expect((await promoted.json<Version>()).id).toBe("cache-b");
    const etagB = promoted.headers.get("ETag");

    await expectJson(call("/api/admin/rollback", { method: "POST", token: ADMIN }), 200);
    const rolledBack = await call("/api/models/current", { headers: { "If-None-Match": etagA } });
    expect(rolledBack.status).toBe(200);
    const body = await rolledBack.json<Version>();
    expect(body.id).toBe("cache-a");
    // Same version as before, promoted again: a new promoted_at, so a new ETag.
    expect(rolledBack.headers.get("ETag")).not.toBe(etagA);
    expect(rolledBack.headers.get("ETag")).not.toBe(etagB);
  });

  it("says its Age, counted from when the Worker built it, so browsers do not add their max-age to the cache's", async () => {
    await expectJson(promote("cache-a"), 200);
    const built = await call("/api/models/current");
    expect(built.headers.get("Age")).toBe("0");
    await new Promise((resolve) => setTimeout(resolve, 1100));
    const cached = await call("/api/models/current");
    expect(cached.headers.get("ETag")).toBe(built.headers.get("ETag"));
    expect(Number(cached.headers.get("Age"))).toBeGreaterThanOrEqual(1);
    expect(cached.headers.has("X-Built-At")).toBe(false);
  });

  it("is answered from the cache, not D1, until a promote purges it", async () => {
    await expectJson(promote("cache-a"), 200);
    expect((await expectJson<Version>(call("/api/models/current"), 200)).id).toBe("cache-a");
    // Changed behind the Worker's back: only a request that reads D1 can see it.
    await env.DB.prepare("UPDATE current_model SET version_id = 'cache-b'").run();
    expect((await expectJson<Version>(call("/api/models/current"), 200)).id).toBe("cache-a");
    await expectJson(promote("cache-b"), 200);
    expect((await expectJson<Version>(call("/api/models/current"), 200)).id).toBe("cache-b");
  });

  it("reads D1 only a handful of times for 1,000 requests", async () => {
    await expectJson(promote("cache-a"), 200);
    // The Worker's own fetch handler gets the real D1 binding behind a proxy that counts the
    // statements it prepares: every query, batched or not, is prepared first, and still runs on D1.
    let queries = 0;
    const DB = withOverrides(env.DB, {
      prepare: (sql: string) => {
        queries += 1;
        return env.DB.prepare(sql);
      },
    });
    const get = () => call("/api/models/current", { env: { DB } });

    const first = await get();
    expect(first.status).toBe(200);
    expect(queries).toBeGreaterThan(0); // the promote purged the cache, so this one read D1
    const etag = first.headers.get("ETag");
    for (let sent = 1; sent < 1000; sent += 111) {
      const batch = await Promise.all(Array.from({ length: 111 }, get));
      for (const res of batch) {
        expect(res.status).toBe(200);
        expect(res.headers.get("ETag")).toBe(etag);
        await res.body?.cancel();
      }
    }
    expect(queries).toBeLessThanOrEqual(3);
  });

  it("does not keep an answer read before a promote that purged the cache before it was stored", async () => {
    await expectJson(promote("cache-a"), 200);
    const reading = readHeldAfterD1("/api/models/current");
    await reading.held.reached;
    // The reader has read cache-a from D1 and not stored it yet: a promote commits and purges now.
    await expectJson(promote("cache-b"), 200);
    reading.held.open();
    expect((await expectJson<Version>(reading.response, 200)).id).toBe("cache-a");
    expect((await expectJson<Version>(call("/api/models/current"), 200)).id).toBe("cache-b");
  });

  it("never stores an answer of an older generation over a newer one", async () => {
    await expectJson(promote("cache-a"), 200);
    const reading = readHeldAfterD1("/api/models/current");
    await reading.held.reached;
    await expectJson(promote("cache-b"), 200);
    // A later reader reads and stores cache-b while the first still holds cache-a.
    expect((await expectJson<Version>(call("/api/models/current"), 200)).id).toBe("cache-b");
    reading.held.open();
    await (await reading.response).body?.cancel();
    expect((await expectJson<Version>(call("/api/models/current"), 200)).id).toBe("cache-b");
  });

  it("does not cache the 404 of a registry with no current model", async () => {
    await expectJson(promote("cache-a"), 200); // purges the cached answer
    await env.DB.prepare("DELETE FROM current_model").run();
    await expectError(call("/api/models/current"), 404, "no_current_model");
    // Set behind the Worker's back, so no purge: only an uncached 404 lets the next request see it.
    await env.DB.prepare("INSERT INTO current_model (singleton, version_id, promoted_at) VALUES (1, 'cache-b', ?)")
      .bind(new Date().toISOString())
      .run();
    expect((await expectJson<Version>(call("/api/models/current"), 200)).id).toBe("cache-b");
  });
});

describe("GET /sw.js (the page's service worker)", () => {
  it("is re-checked on every visit, so a deploy reaches the next one, and has the page's headers", async () => {
    const res = await call("/sw.js");
    await res.body?.cancel();
    expect(res.headers.get("Cache-Control")).toBe("no-cache");
    expect(res.headers.get("Cross-Origin-Embedder-Policy")).toBe("require-corp");
    expect(res.headers.get("Content-Security-Policy")).toContain("worker-src 'self' blob:");
  });
});

/** A request whose first D1 read completes and then waits at `held` before the Worker goes on. */
function readHeldAfterD1(path: string) {
  const held = gate();
  let first = true;
  const DB = withOverrides(env.DB, {
    prepare: (sql: string) => {
      const statement = env.DB.prepare(sql);
      if (!first) return statement;
      first = false;
      const firstRow = async (column?: string) => {
        const row = await (column === undefined ? statement.first() : statement.first(column));
        await held.pass();
        return row;
      };
      return withOverrides(statement, { first: firstRow as D1PreparedStatement["first"] });
    },
  });
  return { held, response: call(path, { env: { DB } }) };
}
