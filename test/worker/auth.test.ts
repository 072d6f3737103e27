/** Every admin route refuses callers without the right token; tokens are stored only as hashes. */
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { ADMIN, call, expectError, expectJson, freshIp, sha256Hex, tokenWith, withOverrides } from "./helpers.ts";

const VERSION = "/api/admin/models/auth-v";
const FILE = `${VERSION}/files/model.onnx`;
const UPLOAD = `${FILE}/uploads/upl_${"0".repeat(32)}`;

/** Every admin route with the scope it needs. */
const ADMIN_ROUTES: [method: string, path: string, scope: string][] = [
  ["POST", "/api/admin/models", "models:write"],
  ["GET", "/api/admin/models", "models:write"],
  ["GET", VERSION, "models:write"],
  ["PUT", FILE, "models:write"],
  ["POST", `${FILE}/uploads`, "models:write"],
  ["PUT", `${UPLOAD}/parts/1`, "models:write"],
  ["POST", `${UPLOAD}/complete`, "models:write"],
  ["DELETE", UPLOAD, "models:write"],
  ["POST", `${VERSION}/finalize`, "models:write"],
  ["POST", `${VERSION}/promote`, "models:promote"],
  ["POST", `${VERSION}/retire`, "models:promote"],
  ["DELETE", VERSION, "models:promote"],
  ["POST", "/api/admin/rollback", "models:promote"],
  ["POST", "/api/admin/tokens", "tokens:admin"],
  ["GET", "/api/admin/tokens", "tokens:admin"],
  ["DELETE", "/api/admin/tokens/tok_0000000000000000", "tokens:admin"],
];
const ALL_SCOPES = ["models:write", "models:promote", "tokens:admin"];

/** A body that would pass validation, so only auth decides the outcome. */
function bodyFor(method: string, path: string) {
  if (path.endsWith("/tokens") && method === "POST") return { json: { name: "x", scopes: ["tokens:admin"] } };
  if (path.endsWith("/complete")) return { json: { parts: [{ part_number: 1, etag: "x" }] } };
  if (method === "PUT") return { body: new Uint8Array(4) };
  return {};
}

describe("auth matrix", () => {
  it("refuses every admin route without the right token, and lets the right one through", async () => {
    const revoked = await tokenWith(...ALL_SCOPES);
    await expectJson(call(`/api/admin/tokens/${revoked.id}`, { method: "DELETE", token: ADMIN }), 200);
    for (const [method, path, scope] of ADMIN_ROUTES) {
      const send = (token?: string) => call(path, { method, token, ...bodyFor(method, path) });
      const label = `${method} ${path}`;
      const wrong = await tokenWith(...ALL_SCOPES.filter((s) => s !== scope));
      const right = await tokenWith(scope);

      const missing = await send();
      expect(missing.status, label).toBe(401);
      expect(missing.headers.get("WWW-Authenticate"), label).toContain("Bearer");
      expect((await missing.json<{ error: string }>()).error, label).toBe("missing_token");
      expect((await expectError(send("edt_not-a-real-token"), 401, "invalid_token")).error, label).toBe("invalid_token");
      await expectError(send(revoked.token), 401, "token_revoked");
      const forbidden = await expectError(send(wrong.token), 403, "insufficient_scope");
      expect(forbidden.required_scope, label).toBe(scope);
      expect([401, 403, 429], label).not.toContain((await send(right.token)).status);
    }
  });

  it("treats a malformed Authorization header as no token", async () => {
    await expectError(call("/api/admin/tokens", { headers: { Authorization: `Basic ${btoa("a:b")}` } }), 401, "missing_token");
    await expectError(call("/api/admin/tokens", { headers: { Authorization: "Bearer" } }), 401, "missing_token");
  });
});

describe("the calling token", () => {
  it("tells a client its own scopes, so it can check them before it changes anything", async () => {
    const writer = await tokenWith("models:write");
    const me = await expectJson<{ id: string; scopes: string[] }>(call("/api/admin/token", { token: writer.token }), 200);
    expect(me).toEqual({ id: writer.id, scopes: ["models:write"] });
    await expectError(call("/api/admin/token"), 401, "missing_token");
  });
});

describe("failed attempts", () => {
  it("slows bad tokens from an address after 10, and still accepts a valid token from it", async () => {
    const ip = freshIp();
    for (let i = 0; i < 10; i++) await expectError(call("/api/admin/tokens", { token: `bad-${i}`, ip }), 401, "invalid_token");
    const limited = await call("/api/admin/tokens", { token: "bad-10", ip });
    expect(limited.status).toBe(429);
    expect(Number(limited.headers.get("Retry-After"))).toBeGreaterThan(0);
    expect((await limited.json<{ error: string }>()).error).toBe("too_many_failed_attempts");
    await expectJson(call("/api/admin/tokens", { token: ADMIN, ip }), 200);
  });

  it("counts concurrent bad guesses exactly: never more than the limit get past it", async () => {
    const ip = freshIp();
    const statuses = await Promise.all(
      Array.from({ length: 30 }, (_, i) => call("/api/admin/tokens", { token: `guess-${i}`, ip }).then((r) => r.status)),
    );
    expect(statuses.filter((s) => s === 401)).toHaveLength(10);
    expect(statuses.filter((s) => s === 429)).toHaveLength(20);
  });

  it("answers past the limit without writing to D1, so refused guesses cannot spend its write quota", async () => {
    const ip = freshIp();
    for (let i = 0; i < 10; i++) await expectError(call("/api/admin/tokens", { token: `bad-${i}`, ip }), 401, "invalid_token");
    // Every statement the Worker prepares for the refused guess, through a proxy around its real D1 binding.
    const statements: string[] = [];
    const DB = withOverrides(env.DB, {
      prepare: (sql: string) => {
        statements.push(sql);
        return env.DB.prepare(sql);
      },
    });
    await expectError(call("/api/admin/tokens", { token: "bad-10", ip, env: { DB } }), 429, "too_many_failed_attempts");
    expect(statements.length).toBeGreaterThan(0);
    expect(statements.filter((sql) => !/^\s*SELECT\b/i.test(sql))).toEqual([]);
  });

  it("counts an IPv6 client by its /64, however it spells its address, and another /64 apart", async () => {
    const addresses = [
      "2001:db8:24:64::1",
      "2001:db8:24:64:0:0:0:2",
      "2001:0db8:0024:0064:ffff:ffff:ffff:ffff",
      "2001:DB8:24:64:1:2:3:4",
      "2001:db8:24:64::a:b",
      "2001:db8:24:64:8000::",
      "2001:db8:24:64::3",
      "2001:db8:24:64::4",
      "2001:db8:24:64::5",
      "2001:db8:24:64::6",
    ];
    for (const [i, ip] of addresses.entries()) {
      await expectError(call("/api/admin/tokens", { token: `v6-guess-${i}`, ip }), 401, "invalid_token");
    }
    await expectError(call("/api/admin/tokens", { token: "v6-guess-10", ip: "2001:db8:24:64::beef" }), 429, "too_many_failed_attempts");
    await expectError(call("/api/admin/tokens", { token: "v6-guess-11", ip: "2001:db8:24:65::1" }), 401, "invalid_token");
  });

  it("ignores CF-Connecting-IP on requests that did not come through Cloudflare: they share one bucket", async () => {
    // wrangler dev answers on an IP address or localhost, which Cloudflare's edge never serves; there
    // the header is whatever the client sent, so a new address per guess must not buy new guesses.
    const origins = ["http://127.0.0.1:8787", "http://localhost:8787", "http://[::1]:8787"];
    for (let i = 0; i < 10; i++) {
      const origin = origins[i % origins.length];
      await expectError(call("/api/admin/tokens", { token: `local-guess-${i}`, origin }), 401, "invalid_token");
    }
    await expectError(
      call("/api/admin/tokens", { token: "local-guess-10", origin: "http://127.0.0.1:8787" }),
      429,
      "too_many_failed_attempts",
    );
    await expectJson(call("/api/admin/tokens", { token: ADMIN, origin: "http://127.0.0.1:8787" }), 200);
  });

  it("does not count missing tokens or wrong scopes as failures", async () => {
    const ip = freshIp();
    const reader = await tokenWith("models:write");
    for (let i = 0; i < 12; i++) {
      await expectError(call("/api/admin/tokens", { ip }), 401, "missing_token");
      await expectError(call("/api/admin/tokens", { token: reader.token, ip }), 403, "insufficient_scope");
    }
    await expectJson(call("/api/admin/tokens", { token: ADMIN, ip }), 200);
  });
});

describe("tokens", () => {
  it("shows the secret once, stores only its hash, and stops working once revoked", async () => {
    const created = await expectJson<{ id: string; token: string; scopes: string[]; revoked_at: null }>(
      call("/api/admin/tokens", { method: "POST", token: ADMIN, json: { name: "publisher", scopes: ["models:write", "models:promote"] } }),
      201,
    );
    expect(created.token).toMatch(/^edt_[0-9a-f]{64}$/);
    const listing = await call("/api/admin/tokens", { token: ADMIN });
    expect(await listing.text()).not.toContain(created.token);

    const stored = await env.DB.prepare("SELECT * FROM tokens WHERE id = ?").bind(created.id).first<Record<string, unknown>>();
    expect(stored?.hash).toBe(await sha256Hex(new TextEncoder().encode(created.token)));
    expect(Object.values(stored ?? {})).not.toContain(created.token);

    await expectJson(call("/api/admin/models", { token: created.token }), 200);
    const revoked = await expectJson<{ revoked_at: string | null }>(
      call(`/api/admin/tokens/${created.id}`, { method: "DELETE", token: ADMIN }),
      200,
    );
    expect(revoked.revoked_at).not.toBeNull();
    const again = await expectJson<{ revoked_at: string | null }>(
      call(`/api/admin/tokens/${created.id}`, { method: "DELETE", token: ADMIN }),
      200,
    );
    expect(again.revoked_at).toBe(revoked.revoked_at);
    await expectError(call("/api/admin/models", { token: created.token }), 401, "token_revoked");
    await expectError(call("/api/admin/tokens/tok_ffffffffffffffff", { method: "DELETE", token: ADMIN }), 404, "token_not_found");
  });

  it("validates new tokens' names and scopes", async () => {
    await expectError(
      call("/api/admin/tokens", { method: "POST", token: ADMIN, json: { name: "x", scopes: ["root"] } }),
      400,
      "invalid_request",
    );
    await expectError(
      call("/api/admin/tokens", { method: "POST", token: ADMIN, json: { name: "", scopes: ["tokens:admin"] } }),
      400,
      "invalid_request",
    );
    await expectError(call("/api/admin/tokens", { method: "POST", token: ADMIN, json: { name: "x", scopes: [] } }), 400, "invalid_request");
  });
});

interface TokenInfo {
  id: string;
  token: string;
  created_at: string;
  expires_at: string | null;
  last_used_at: string | null;
}

const DAY_MS = 24 * 60 * 60 * 1000;

async function listed(id: string): Promise<TokenInfo | undefined> {
  return (await expectJson<{ items: TokenInfo[] }>(call("/api/admin/tokens", { token: ADMIN }), 200)).items.find((t) => t.id === id);
}

function create(json: Record<string, unknown>) {
  return call("/api/admin/tokens", { method: "POST", token: ADMIN, json: { name: "expiring", scopes: ["models:write"], ...json } });
}

describe("token expiry", () => {
  it("sets expires_at from expires_in_seconds or expires_at, and the longest lifetime by default", async () => {
    const forAnHour = await expectJson<TokenInfo>(create({ expires_in_seconds: 3600 }), 201);
    expect(Date.parse(forAnHour.expires_at ?? "") - Date.parse(forAnHour.created_at)).toBe(3600 * 1000);
    const at = new Date(Date.now() + 86_400_000);
    at.setUTCMilliseconds(0);
    const until = await expectJson<TokenInfo>(create({ expires_at: at.toISOString().replace(".000Z", "+00:00") }), 201);
    expect(until.expires_at).toBe(at.toISOString());
    expect((await listed(until.id))?.expires_at).toBe(at.toISOString());
    const unasked = await expectJson<TokenInfo>(create({}), 201);
    expect(Date.parse(unasked.expires_at ?? "") - Date.parse(unasked.created_at)).toBe(90 * DAY_MS);
  });

  it("refuses expiries in the past, both fields at once, and nonsense", async () => {
    const future = new Date(Date.now() + 3_600_000).toISOString();
    for (const json of [
      { expires_at: new Date(Date.now() - 1000).toISOString() },
      { expires_at: "tomorrow" },
      { expires_in_seconds: 0 },
      { expires_in_seconds: 1.5 },
      { expires_in_seconds: 3600, expires_at: future },
    ]) {
      await expectError(create(json), 400, "invalid_request");
    }
  });

  it("refuses an expired token with 401 token_expired, and counts it as a failed attempt", async () => {
    const created = await expectJson<TokenInfo>(create({ expires_in_seconds: 3600 }), 201);
    await expectJson(call("/api/admin/token", { token: created.token }), 200);
    // An hour is too long to wait: move the expiry into the past in D1 itself.
    await env.DB.prepare("UPDATE tokens SET expires_at = ? WHERE id = ?")
      .bind(new Date(Date.now() - 1000).toISOString(), created.id)
      .run();
    const ip = freshIp();
    const res = await call("/api/admin/token", { token: created.token, ip });
    expect(res.headers.get("WWW-Authenticate")).toContain("Bearer");
    await expectError(res, 401, "token_expired");
    const failures = await env.DB.prepare("SELECT failures FROM auth_failures WHERE client = ?").bind(ip).first<number>("failures");
    expect(failures).toBe(1);
  });
});

describe("minting", () => {
  it("grants only scopes the minting token holds, and never a life past its own", async () => {
    const minter = await expectJson<TokenInfo>(create({ name: "minter", scopes: ["tokens:admin"], expires_in_seconds: 600 }), 201);
    const mint = (json: Record<string, unknown>) =>
      call("/api/admin/tokens", { method: "POST", token: minter.token, json: { name: "minted", scopes: ["tokens:admin"], ...json } });

    const wider = await expectError(mint({ scopes: ["models:write", "models:promote", "tokens:admin"] }), 403, "scope_not_held");
    expect(wider.not_held).toEqual(["models:write", "models:promote"]);
    for (const json of [{ expires_in_seconds: 3600 }, { expires_at: new Date(Date.now() + DAY_MS).toISOString() }]) {
      const later = await expectError(mint(json), 400, "expiry_too_late");
      expect(later.latest_expires_at).toBe(minter.expires_at);
    }
    // Unasked, the expiry is the latest allowed: the minter's own.
    expect((await expectJson<TokenInfo>(mint({}), 201)).expires_at).toBe(minter.expires_at);
    const sooner = await expectJson<TokenInfo & { scopes: string[] }>(mint({ expires_in_seconds: 60 }), 201);
    expect(Date.parse(sooner.expires_at ?? "")).toBeLessThan(Date.parse(minter.expires_at ?? ""));
  });

  it("caps every token's life at TOKEN_MAX_LIFETIME_DAYS (90 unless configured), even ADMIN_TOKEN's", async () => {
    const tooLong = await expectError(create({ expires_in_seconds: 91 * 24 * 3600 }), 400, "expiry_too_late");
    expect(tooLong.message).toContain("at most 90 days");
    const oneDay = { TOKEN_MAX_LIFETIME_DAYS: "1" };
    const configured = await expectJson<TokenInfo>(
      call("/api/admin/tokens", { method: "POST", token: ADMIN, json: { name: "short", scopes: ["models:write"] }, env: oneDay }),
      201,
    );
    expect(Date.parse(configured.expires_at ?? "") - Date.parse(configured.created_at)).toBe(DAY_MS);
    await expectError(
      call("/api/admin/tokens", {
        method: "POST",
        token: ADMIN,
        json: { name: "short", scopes: ["models:write"], expires_in_seconds: 2 * 24 * 3600 },
        env: oneDay,
      }),
      400,
      "expiry_too_late",
    );
  });
});

describe("token last use", () => {
  it("records when a token last authenticated, writing at most once a minute", async () => {
    const created = await expectJson<TokenInfo>(create({}), 201);
    expect(created.last_used_at).toBeNull();
    expect((await listed(created.id))?.last_used_at).toBeNull();

    const before = Date.now();
    await expectJson(call("/api/admin/token", { token: created.token }), 200);
    const first = (await listed(created.id))?.last_used_at ?? "";
    expect(Date.parse(first)).toBeGreaterThanOrEqual(before - 1);

    await new Promise((resolve) => setTimeout(resolve, 20));
    await expectJson(call("/api/admin/token", { token: created.token }), 200);
    expect((await listed(created.id))?.last_used_at).toBe(first);

    const twoMinutesAgo = new Date(Date.now() - 120_000).toISOString();
    await env.DB.prepare("UPDATE tokens SET last_used_at = ? WHERE id = ?").bind(twoMinutesAgo, created.id).run();
    await expectJson(call("/api/admin/token", { token: created.token }), 200);
    expect(Date.parse((await listed(created.id))?.last_used_at ?? "")).toBeGreaterThan(Date.parse(first));
  });

  it("is not recorded for a refused token", async () => {
    const created = await expectJson<TokenInfo>(create({}), 201);
    await expectJson(call(`/api/admin/tokens/${created.id}`, { method: "DELETE", token: ADMIN }), 200);
    await expectError(call("/api/admin/token", { token: created.token }), 401, "token_revoked");
    expect((await listed(created.id))?.last_used_at).toBeNull();
  });
});
