/** Bearer-token authentication with scopes, and a limit on failed attempts per client. */
import type { Context } from "hono";
import { createMiddleware } from "hono/factory";
import { SCOPES, type Scope } from "../contract/schemas.ts";
import { sha256Hex } from "../crypto.ts";
import { failureWindow, findTokenByHash, recordFailure, recordUse } from "../db/tokens.ts";
import type { AppEnv, Principal } from "../env.ts";
import { failureBucket } from "./client-address.ts";
import { ApiError } from "./errors.ts";

/**
 * After this many bad tokens from one client (an IPv4 address or an IPv6 /64) within the window,
 * its further bad tokens get 429 until the window ends.
 */
export const AUTH_FAILURE_LIMIT = 10;
export const AUTH_FAILURE_WINDOW_SECONDS = 15 * 60;
/** last_used_at is written at most this often per token, not on every request. */
export const LAST_USED_RESOLUTION_SECONDS = 60;
/** A shorter ADMIN_TOKEN is ignored: it would be guessable. */
const MIN_ADMIN_TOKEN_LENGTH = 24;

const BOOTSTRAP: Principal = { tokenId: "admin-token", scopes: SCOPES, expiresAt: null };

/** Constant-time (workerd's timingSafeEqual) comparison of two equal-length hex digests. */
function sameDigest(a: string, b: string): boolean {
  const encoder = new TextEncoder();
  const left = encoder.encode(a);
  const right = encoder.encode(b);
  return left.byteLength === right.byteLength && crypto.subtle.timingSafeEqual(left, right);
}

function unauthorized(code: string, message: string): ApiError {
  return new ApiError(401, code, message, undefined, { "WWW-Authenticate": `Bearer realm="edge-diffusion", error="invalid_token"` });
}

/** Resolves a presented secret to a principal, or throws the 401 that says why not. */
async function authenticate(secret: string, env: AppEnv["Bindings"]): Promise<Principal> {
  const hash = await sha256Hex(secret);
  const admin = env.ADMIN_TOKEN;
  if (admin && admin.length >= MIN_ADMIN_TOKEN_LENGTH && sameDigest(hash, await sha256Hex(admin))) return BOOTSTRAP;
  const token = await findTokenByHash(env.DB, hash);
  if (!token) throw unauthorized("invalid_token", "This token is not valid: check it, or ask an administrator for a new one.");
  if (token.revoked_at) throw unauthorized("token_revoked", "This token was revoked: ask an administrator for a new one.");
  const nowMs = Date.now();
  if (token.expires_at !== null && Date.parse(token.expires_at) <= nowMs) {
    throw unauthorized("token_expired", `This token expired at ${token.expires_at}: ask an administrator for a new one.`);
  }
  const since = nowMs - LAST_USED_RESOLUTION_SECONDS * 1000;
  if (token.last_used_at === null || Date.parse(token.last_used_at) <= since) {
    await recordUse(env.DB, token.id, new Date(nowMs).toISOString(), new Date(since).toISOString());
  }
  return {
    tokenId: token.id,
    scopes: token.scopes.split(" ").filter((s): s is Scope => (SCOPES as readonly string[]).includes(s)),
    expiresAt: token.expires_at,
  };
}

/**
 * Counts a failed attempt from this request's client. Past the limit it throws 429 instead and
 * writes nothing, so refused guesses cannot spend D1's write quota.
 */
async function countFailure(db: D1Database, client: string): Promise<void> {
  const nowSeconds = Math.floor(Date.now() / 1000);
  const window = await failureWindow(db, client, nowSeconds, AUTH_FAILURE_WINDOW_SECONDS);
  const underLimit = (window?.failures ?? 0) < AUTH_FAILURE_LIMIT;
  // The upsert is capped too: concurrent attempts may have reached the limit since the read.
  if (underLimit && (await recordFailure(db, client, nowSeconds, AUTH_FAILURE_WINDOW_SECONDS, AUTH_FAILURE_LIMIT))) return;
  const retryAfter = window?.retryAfter ?? AUTH_FAILURE_WINDOW_SECONDS;
  throw new ApiError(
    429,
    "too_many_failed_attempts",
    `Too many failed authentication attempts from this address: wait ${retryAfter} s and retry with a valid token.`,
    undefined,
    { "Retry-After": String(retryAfter) },
  );
}

/**
 * Middleware for admin routes: requires `Authorization: Bearer <token>` holding `scope` (null: any
 * valid token). A valid
 * token is always accepted; bad tokens from one address past the limit get 429 instead of 401, so
 * guessing slows down while nobody with a real token is locked out.
 */
export function requireScope(scope: Scope | null) {
  return createMiddleware<AppEnv>(async (c, next) => {
    const match = /^Bearer +([\x21-\x7e]{1,512})$/i.exec(c.req.header("Authorization") ?? "");
    if (!match?.[1]) {
      throw unauthorized("missing_token", "This route needs an API token: send `Authorization: Bearer <token>`.");
    }
    let principal: Principal;
    try {
      principal = await authenticate(match[1], c.env);
    } catch (err) {
      await countFailure(c.env.DB, failureBucket(c.req.raw));
      throw err;
    }
    if (scope && !principal.scopes.includes(scope)) {
      throw new ApiError(403, "insufficient_scope", `This token lacks the '${scope}' scope: use a token that has it.`, {
        required_scope: scope,
      });
    }
    c.set("principal", principal);
    await next();
  });
}

/** The caller of an admin route, as its scope check authenticated it. */
export function principalOf(c: Context<AppEnv>): Principal {
  const principal = c.get("principal");
  if (!principal) throw new Error("the scope check sets the principal before a handler runs");
  return principal;
}
