/** Requests against the real Worker (local D1 and R2 in workerd). */
import { createExecutionContext } from "cloudflare:test";
import { env, exports } from "cloudflare:workers";
import { expect } from "vitest";
import { manifestFor, type Weights } from "../../scripts/lib/fixtures.ts";
import type { Bindings } from "../../worker/env.ts";
import worker from "../../worker/index.ts";

export { bytesOf, manifestFor } from "../../scripts/lib/fixtures.ts";
export { sha256Hex } from "../../worker/crypto.ts";

export const ORIGIN = "https://registry.test";
export const ADMIN = env.ADMIN_TOKEN ?? "";

let ipCounter = 0;
/** A fresh client address: failed-auth limits are per address, so tests do not trip each other's. */
export function freshIp(): string {
  ipCounter += 1;
  return `198.51.${Math.floor(ipCounter / 250)}.${ipCounter % 250}`;
}

export interface CallOptions {
  method?: string;
  token?: string;
  json?: unknown;
  body?: BodyInit | null;
  headers?: Record<string, string>;
  ip?: string;
  /** Bindings to give this one request in place of the real ones (the rest stay real). */
  env?: Partial<Bindings>;
  /** Where the request is addressed; ORIGIN unless given. */
  origin?: string;
}

export async function call(path: string, options: CallOptions = {}): Promise<Response> {
  const headers = new Headers(options.headers);
  headers.set("CF-Connecting-IP", options.ip ?? freshIp());
  if (options.token !== undefined) headers.set("Authorization", `Bearer ${options.token}`);
  let body = options.body;
  if (options.json !== undefined) {
    headers.set("Content-Type", "application/json");
    body = JSON.stringify(options.json);
  }
  const request = new Request((options.origin ?? ORIGIN) + path, { method: options.method ?? "GET", headers, body });
  if (options.env) return worker.fetch(request, { ...env, ...options.env }, createExecutionContext());
  return exports.default.fetch(request);
}

/** `target` with some members replaced; every other member is the real one (methods bound to it). */
export function withOverrides<T extends object>(target: T, overrides: Partial<T>): T {
  return new Proxy(target, {
    get(real, key) {
      if (Object.hasOwn(overrides, key)) return overrides[key as keyof T];
      const value: unknown = Reflect.get(real, key);
      return typeof value === "function" ? value.bind(real) : value;
    },
  });
}

/**
 * A point where the Worker waits for the test: the Worker calls `pass()`, which resolves `reached`
 * and holds it until the test calls `open()`. So a test can run requests in the gap it forces.
 */
export function gate() {
  let arrive = () => {};
  let open = () => {};
  const reached = new Promise<void>((resolve) => {
    arrive = resolve;
  });
  const opened = new Promise<void>((resolve) => {
    open = resolve;
  });
  return {
    reached,
    open: () => open(),
    pass: async () => {
      arrive();
      await opened;
    },
  };
}

/** Asserts the status and returns the JSON body. */
export async function expectJson<T = Record<string, unknown>>(response: Promise<Response> | Response, status: number): Promise<T> {
  const res = await response;
  const text = await res.text();
  expect(res.status, text).toBe(status);
  return JSON.parse(text) as T;
}

/** Asserts a stable error code and a human message. */
export async function expectError(response: Promise<Response> | Response, status: number, code: string): Promise<Record<string, unknown>> {
  const body = await expectJson(response, status);
  expect(body.error).toBe(code);
  expect(typeof body.message).toBe("string");
  return body;
}

export function upload(id: string, name: string, body: BodyInit, token = ADMIN): Promise<Response> {
  return call(`/api/admin/models/${id}/files/${name}`, { method: "PUT", token, body });
}

/** Creates, uploads and finalizes a version through the API; returns its manifest. */
export async function publish(id: string, weights: Weights) {
  const manifest = await manifestFor(id, weights);
  await expectJson(call("/api/admin/models", { method: "POST", token: ADMIN, json: manifest }), 201);
  for (const [name, bytes] of Object.entries(weights)) {
    expect([200, 201]).toContain((await upload(id, name, bytes)).status);
  }
  await expectJson(call(`/api/admin/models/${id}/finalize`, { method: "POST", token: ADMIN }), 200);
  return manifest;
}

export function promote(id: string): Promise<Response> {
  return call(`/api/admin/models/${id}/promote`, { method: "POST", token: ADMIN });
}

/** Creates a token with these scopes and returns its secret. */
export async function tokenWith(...scopes: string[]): Promise<{ id: string; token: string }> {
  return expectJson(call("/api/admin/tokens", { method: "POST", token: ADMIN, json: { name: "test", scopes } }), 201);
}

/** A body that streams `bytes` with no Content-Length, as a chunked upload would. */
export function streamOf(bytes: Uint8Array): ReadableStream<Uint8Array> {
  return new ReadableStream({
    start(controller) {
      controller.enqueue(bytes);
      controller.close();
    },
  });
}
