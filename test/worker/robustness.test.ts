/** Bad input of every kind gets a 4xx with a JSON error, never a 500; cross-cutting headers are present. */
import { describe, expect, it } from "vitest";
import { ADMIN, bytesOf, call, expectError, expectJson, manifestFor, upload } from "./helpers.ts";

// As model.eval --int8 writes it: the contract's figures, and facts of its own.
const INT8_EVALUATION = {
  frechet_distance: 12.4,
  fp32_frechet_distance: 12.3,
  samples: 1000,
  photo_psnr_db: 27.9,
  fp32_photo_psnr_db: 28,
  kept_fp32: ["up.9.blocks.0.skip"],
  class_accuracy: 0.81,
};

describe("malformed input", () => {
  it("rejects malformed JSON, wrong media types and invalid manifests with 4xx", async () => {
    const post = (body: string, type = "application/json") =>
      call("/api/admin/models", { method: "POST", token: ADMIN, body, headers: { "Content-Type": type } });
    await expectError(post("{not json"), 400, "malformed_body");
    await expectError(post(""), 400, "malformed_body");
    await expectError(post("null"), 400, "invalid_request");
    await expectError(post("[]"), 400, "invalid_request");
    await expectError(post('{"schema": 1}'), 400, "invalid_request");
    await expectError(post("{}", "text/plain"), 415, "unsupported_media_type");
    await expectError(post("x".repeat(1024 * 1024 + 1)), 413, "payload_too_large");
  });

  it("names the field of a manifest that breaks the contract", async () => {
    const good = await manifestFor("contract-v", { "model.onnx": bytesOf(10, 1) });
    const broken: [string, unknown][] = [
      ["id", { ...good, id: "Upper-Case" }],
      ["id", { ...good, id: "current" }],
      ["files", { ...good, files: [] }],
      ["files", { ...good, files: [...good.files, ...good.files] }],
      ["files.0.sha256", { ...good, files: [{ ...good.files[0], sha256: "abc" }] }],
      ["files.0.variant", { ...good, files: [{ ...good.files[0], variant: "int4" }] }],
      ["files.0.name", { ...good, files: [{ ...good.files[0], name: "../etc/passwd" }] }],
      ["classes.null_class", { ...good, classes: { names: ["a"], null_class: 0 } }],
      ["diffusion.alphas_cumprod", { ...good, diffusion: { ...good.diffusion, alphas_cumprod: [0.5] } }],
      ["diffusion.prediction", { ...good, diffusion: { ...good.diffusion, prediction: "x0" } }], // Python trains eps or v only
      ["metrics", { ...good, metrics: { deep: JSON.parse(`${"[".repeat(12)}1${"]".repeat(12)}`) } }],
      ["metrics.int8.samples", { ...good, metrics: { int8: { ...INT8_EVALUATION, samples: "many" } } }],
      ["metrics.int8.frechet_distance", { ...good, metrics: { int8: { ...INT8_EVALUATION, frechet_distance: undefined } } }],
      ["training", { ...good, training: { ...good.training, notes: "x".repeat(5000) } }],
      ["training.steps", { ...good, training: { ...good.training, steps: "many" } }],
      ["defaults.enlarge_photo.steps", { ...good, defaults: { ...good.defaults, enlarge_photo: { steps: 0, resample: 1 } } }],
      // Above the fixture's 10 timesteps: the refinement names the field, as zod's own checks do.
      ["defaults.enlarge_photo.steps", { ...good, defaults: { ...good.defaults, enlarge_photo: { steps: 11, resample: 1 } } }],
      ["defaults.restore_photo.steps", { ...good, defaults: { ...good.defaults, restore_photo: { steps: 11, resample: 1 } } }],
      ["defaults.enlarge_photo.resample", { ...good, defaults: { ...good.defaults, enlarge_photo: { steps: 5 } } }],
      ["", { ...good, surprise: true }],
    ];
    for (const [path, manifest] of broken) {
      const body = await expectError(call("/api/admin/models", { method: "POST", token: ADMIN, json: manifest }), 400, "invalid_request");
      expect(
        (body.issues as { path: string }[]).map((issue) => issue.path),
        path,
      ).toContain(path);
    }
  });

  it("takes file names of one pattern only: no dots-only names, separators or control characters", async () => {
    const good = await manifestFor("file-names-v", { "model.onnx": bytesOf(10, 3) });
    // "." and ".." normalise away in every URL, so no upload could reach them and the version could never be finalized.
    for (const name of [".", "..", "...", ".hidden", "-flag", "a/b", "a\\b", "a b", "a\u0000b", "a\nb", "é.onnx", "a".repeat(129)]) {
      const manifest = { ...good, files: [{ ...good.files[0], name }] };
      const body = await expectError(call("/api/admin/models", { method: "POST", token: ADMIN, json: manifest }), 400, "invalid_request");
      expect(body.message, JSON.stringify(name)).toContain("a letter or digit, then up to 127 letters, digits, '.', '_' or '-'");
    }
    for (const name of ["model.onnx", "model.fp16.onnx", "0_weights-v2.bin", "a".repeat(128)]) {
      const manifest = { ...good, id: `file-names-${name.length}-${name.charCodeAt(0)}`, files: [{ ...good.files[0], name }] };
      await expectJson(call("/api/admin/models", { method: "POST", token: ADMIN, json: manifest }), 201);
    }
  });

  it("accepts int8 weights with their evaluation", async () => {
    const manifest = await manifestFor("int8-v", { "model.onnx": bytesOf(10, 4), "model.int8.onnx": bytesOf(5, 5) });
    expect(manifest.files.map((file) => file.variant)).toEqual(["fp32", "int8"]);
    await expectJson(
      call("/api/admin/models", { method: "POST", token: ADMIN, json: { ...manifest, metrics: { int8: INT8_EVALUATION } } }),
      201,
    );
  });

  it("accepts enlargement defaults and serves them back; a manifest without them, as published before, still runs", async () => {
    const weights = { "model.onnx": bytesOf(10, 6) };
    const without = await manifestFor("enlarge-absent-v", weights);
    expect(without.defaults.enlarge_photo).toBeUndefined();
    const own = await manifestFor("enlarge-own-v", weights);
    const enlarge_photo = { steps: 10, resample: 2 }; // as many steps as the fixture's timesteps: allowed
    for (const manifest of [without, { ...own, defaults: { ...own.defaults, enlarge_photo } }]) {
      await expectJson(call("/api/admin/models", { method: "POST", token: ADMIN, json: manifest }), 201);
      expect([200, 201]).toContain((await upload(manifest.id, "model.onnx", weights["model.onnx"])).status);
      await expectJson(call(`/api/admin/models/${manifest.id}/finalize`, { method: "POST", token: ADMIN }), 200);
    }
    type Served = { manifest: { defaults: Record<string, unknown> } };
    const served = (id: string) => expectJson<Served>(call(`/api/models/${id}`), 200).then((v) => v.manifest.defaults);
    expect((await served("enlarge-own-v")).enlarge_photo).toEqual(enlarge_photo);
    expect(await served("enlarge-absent-v")).not.toHaveProperty("enlarge_photo");
  });

  it("accepts unknown keys under training and metrics", async () => {
    const good = await manifestFor("free-form-v", { "model.onnx": bytesOf(10, 2) });
    const manifest = {
      ...good,
      training: { ...good.training, optimizer: { name: "adamw", lr: 2e-4 } },
      metrics: { fid_like: { steps_20: 31.2 } },
    };
    await expectJson(call("/api/admin/models", { method: "POST", token: ADMIN, json: manifest }), 201);
  });

  it("rejects bad ids and names in paths with 4xx", async () => {
    const paths = [
      "/api/models/UPPER",
      "/api/models/-leading-dash",
      `/api/models/${"a".repeat(65)}`,
      "/api/models/a%20b",
      "/api/models/%00",
      "/api/models/..%2F..%2Fetc",
      "/api/models/%E2%98%83",
    ];
    for (const path of paths) {
      const res = await call(path);
      expect([400, 404], path).toContain(res.status);
      expect((await res.json<{ error: string }>()).error, path).toMatch(/^[a-z_]+$/);
    }
    await expectError(call("/api/admin/models/ok-id/files/bad%2Fname", { method: "PUT", token: ADMIN, body: "x" }), 400, "invalid_request");
    await expectError(
      call("/api/admin/models/ok-id/files/model.onnx/uploads/nope/parts/1", { method: "PUT", token: ADMIN, body: "x" }),
      400,
      "invalid_request",
    );
    await expectError(call("/api/admin/tokens/not-a-token-id", { method: "DELETE", token: ADMIN }), 400, "invalid_request");
    // Part numbers in plain digits only: Number() would read these as 1, 1 and 1000.
    const upload = `upl_${"0".repeat(32)}`;
    for (const part of ["0x1", "%201", "1e3", "01", "0", "10001"]) {
      await expectError(
        call(`/api/admin/models/ok-id/files/model.onnx/uploads/${upload}/parts/${part}`, { method: "PUT", token: ADMIN, body: "x" }),
        400,
        "invalid_request",
      );
    }
  });

  it("keeps admin answers out of every cache, and token names printable", async () => {
    const created = await call("/api/admin/tokens", {
      method: "POST",
      token: ADMIN,
      json: { name: "cache test", scopes: ["models:write"] },
    });
    expect(created.status).toBe(201);
    expect(created.headers.get("Cache-Control")).toBe("no-store");
    const refused = await call("/api/admin/tokens", { token: "not-a-valid-token" });
    expect(refused.headers.get("Cache-Control")).toBe("no-store");
    await expectError(
      call("/api/admin/tokens", { method: "POST", token: ADMIN, json: { name: "bad\u0000name", scopes: ["models:write"] } }),
      400,
      "invalid_request",
    );
    await expectError(
      call("/api/admin/tokens", { method: "POST", token: ADMIN, json: { name: "bidi\u202ename", scopes: ["models:write"] } }),
      400,
      "invalid_request",
    );
  });

  it("answers fuzzed query strings with 200 or 400, never 500", async () => {
    const alphabet = "azAZ09-_.~%&=?#+/ \"'<>;()[]{}\\|^`!$*,:@\u00e9\u2603";
    let seed = 12345;
    const next = () => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return seed;
    };
    const fixed = [
      "limit=abc",
      "limit=-1",
      "limit=0",
      "limit=101",
      "limit=1e999",
      "limit=1.5",
      "limit=",
      "limit=1&limit=2",
      "cursor=0",
      "cursor=abc",
      "cursor=99999999999999999999",
      "cursor=1%20OR%201=1",
      "status=pending",
      "status=",
      "status[]=ready",
      "%ZZ=1",
      "limit=%ZZ",
      "&&&",
      "=",
      "limit=5&cursor=1",
    ];
    const random = Array.from({ length: 60 }, () =>
      Array.from({ length: 1 + (next() % 24) }, () => alphabet[next() % alphabet.length]).join(""),
    ).map((junk) => (next() % 2 ? `limit=${encodeURIComponent(junk)}` : encodeURI(junk).replaceAll("#", "%23")));
    for (const query of [...fixed, ...random]) {
      for (const path of ["/api/models", "/api/admin/models"]) {
        const res = await call(`${path}?${query}`, { token: ADMIN });
        expect([200, 400], `${path}?${query}`).toContain(res.status);
        const body = await res.json<{ error?: string; items?: unknown[] }>();
        expect(res.status === 200 ? Array.isArray(body.items) : body.error === "invalid_request", `${path}?${query}`).toBe(true);
      }
    }
  });

  it("answers unknown API paths with a JSON 404, and a wrong method on a known one with 405 and Allow", async () => {
    await expectError(call("/api/nope"), 404, "not_found");
    await expectError(call("/api/models/a/b", { method: "DELETE" }), 404, "not_found");
    const sha = "0".repeat(64);
    const cases: [method: string, path: string, allow: string][] = [
      ["DELETE", "/api/models", "GET, HEAD"],
      ["POST", "/api/models/current", "GET, HEAD"],
      ["PUT", `/api/weights/${sha}`, "GET, HEAD"],
      ["PATCH", "/api/admin/models/some-id", "DELETE, GET, HEAD"],
      ["GET", "/api/admin/models/some-id/finalize", "POST"],
      ["GET", "/api/admin/models/some-id/files/model.onnx", "PUT"],
      ["PUT", "/api/admin/tokens", "GET, HEAD, POST"],
    ];
    for (const [method, path, allow] of cases) {
      const res = await call(path, { method });
      expect(res.headers.get("Allow"), `${method} ${path}`).toBe(allow);
      const body = await expectError(res, 405, "method_not_allowed");
      expect(body.message, `${method} ${path}`).toContain(allow);
    }
  });
});

describe("JSON body limits", () => {
  const FIVE_MIB = 5 * 1024 * 1024;
  const UPLOAD = `/api/admin/models/limits-v/files/model.onnx/uploads/upl_${"0".repeat(32)}/complete`;
  const JSON_ROUTES: [path: string, limit: number][] = [
    ["/api/admin/models", 1024 * 1024],
    ["/api/admin/tokens", 16 * 1024],
    [UPLOAD, 3 * 1024 * 1024],
  ];

  /** A JSON-looking body of `bytes` that counts how much of it the Worker pulled. */
  function countedStream(bytes: number) {
    const chunk = new TextEncoder().encode(" ".repeat(64 * 1024));
    const counter = { pulled: 0 };
    const stream = new ReadableStream<Uint8Array>({
      pull(controller) {
        if (counter.pulled >= bytes) return controller.close();
        counter.pulled += chunk.byteLength;
        controller.enqueue(chunk);
      },
    });
    return { stream, counter };
  }

  it("refuses a body over each JSON route's limit with 413, declared or streamed", async () => {
    const post = (path: string, body: BodyInit) =>
      call(path, { method: "POST", token: ADMIN, body, headers: { "Content-Type": "application/json" } });
    for (const [path, limit] of JSON_ROUTES) {
      const body = await expectError(post(path, " ".repeat(limit + 1)), 413, "payload_too_large");
      expect(body.message, path).toContain(String(limit));
      const { stream, counter } = countedStream(FIVE_MIB);
      await expectError(post(path, stream), 413, "payload_too_large");
      // Refused once past the limit, not after reading all 5 MiB.
      expect(counter.pulled, path).toBeLessThan(limit + 512 * 1024);
    }
    await expectError(post("/api/admin/tokens", new Uint8Array(FIVE_MIB)), 413, "payload_too_large");
  });

  it("still accepts bodies within the limit", async () => {
    const padded = `${JSON.stringify({ name: "padded", scopes: ["models:write"] })}${" ".repeat(15 * 1024)}`;
    await expectJson(
      call("/api/admin/tokens", { method: "POST", token: ADMIN, body: padded, headers: { "Content-Type": "application/json" } }),
      201,
    );
  });

  it("asks for a token before it reads any body", async () => {
    const { stream, counter } = countedStream(FIVE_MIB);
    await expectError(
      call("/api/admin/tokens", { method: "POST", body: stream, headers: { "Content-Type": "application/json" } }),
      401,
      "missing_token",
    );
    expect(counter.pulled).toBeLessThan(FIVE_MIB);
  });
});

describe("cross-cutting headers", () => {
  it("sends security headers on the API and the page alike", async () => {
    for (const path of ["/api/health", "/", "/some/spa/route"]) {
      const res = await call(path);
      expect(res.headers.get("Cross-Origin-Opener-Policy"), path).toBe("same-origin");
      expect(res.headers.get("Cross-Origin-Embedder-Policy"), path).toBe("require-corp");
      expect(res.headers.get("X-Content-Type-Options"), path).toBe("nosniff");
      const csp = res.headers.get("Content-Security-Policy") ?? "";
      for (const directive of [
        "default-src 'self'",
        "'wasm-unsafe-eval'",
        "worker-src 'self' blob:",
        "img-src 'self' data: blob:",
        "connect-src 'self'",
      ]) {
        expect(csp, path).toContain(directive);
      }
    }
    expect((await call("/api/health")).headers.get("Cross-Origin-Resource-Policy")).toBe("cross-origin");
  });

  it("answers CORS preflights and exposes the download headers", async () => {
    const res = await call("/api/admin/models", {
      method: "OPTIONS",
      headers: {
        Origin: "https://elsewhere.example",
        "Access-Control-Request-Method": "PUT",
        "Access-Control-Request-Headers": "authorization",
      },
    });
    expect(res.status).toBe(204);
    expect(res.headers.get("Access-Control-Allow-Origin")).toBe("*");
    expect(res.headers.get("Access-Control-Allow-Methods")).toContain("PUT");
    expect(res.headers.get("Access-Control-Allow-Headers")?.toLowerCase()).toContain("authorization");
    const get = await call("/api/health", { headers: { Origin: "https://elsewhere.example" } });
    expect(get.headers.get("Access-Control-Expose-Headers")).toContain("Content-Range");
  });

  it("gives every response a request id, echoing a caller's own", async () => {
    expect((await call("/api/health")).headers.get("X-Request-Id")).toMatch(/^[0-9a-f-]{36}$/);
    expect((await call("/api/health", { headers: { "X-Request-Id": "publish-42" } })).headers.get("X-Request-Id")).toBe("publish-42");
  });
});

describe("OpenAPI", () => {
  it("describes every route, its schemas and the bearer scheme", async () => {
    const doc = await expectJson<{
      openapi: string;
      paths: Record<string, Record<string, unknown>>;
      components: { securitySchemes: Record<string, unknown>; schemas: Record<string, unknown> };
    }>(call("/api/openapi.json"), 200);
    expect(doc.openapi).toMatch(/^3\./);
    expect(Object.keys(doc.paths).sort()).toEqual(
      [
        "/api/admin/models",
        "/api/admin/models/{id}",
        "/api/admin/models/{id}/files/{name}",
        "/api/admin/models/{id}/files/{name}/uploads",
        "/api/admin/models/{id}/files/{name}/uploads/{upload_id}",
        "/api/admin/models/{id}/files/{name}/uploads/{upload_id}/complete",
        "/api/admin/models/{id}/files/{name}/uploads/{upload_id}/parts/{part_number}",
        "/api/admin/models/{id}/finalize",
        "/api/admin/models/{id}/promote",
        "/api/admin/models/{id}/retire",
        "/api/admin/rollback",
        "/api/admin/token",
        "/api/admin/tokens",
        "/api/admin/tokens/{token_id}",
        "/api/health",
        "/api/models",
        "/api/models/current",
        "/api/models/{id}",
        "/api/weights/{sha256}",
      ].sort(),
    );
    expect(doc.components.securitySchemes.bearer).toMatchObject({ type: "http", scheme: "bearer" });
    expect(Object.keys(doc.components.schemas)).toEqual(expect.arrayContaining(["Manifest", "Version", "AdminVersion", "Error", "Token"]));
    expect(doc.paths["/api/admin/models"]?.post).toMatchObject({ security: [{ bearer: [] }] });
  });
});
