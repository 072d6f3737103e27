/** Bearer-token authentication with scopes, and a limit on failed attempts per client. */
import { createMiddleware } from "hono/factory";
import { sha256Hex } from "./crypto.ts";
import { findTokenByHash, recordFailure, recordUse } from "./db/tokens.ts";
import type { AppEnv, Principal } from "./env.ts";
import { ApiError } from "./errors.ts";
import { SCOPES, type Scope } from "./schemas.ts";

/** After this many bad tokens from one client within the window, its further bad tokens get 429 until the window ends. */
export const AUTH_FAILURE_LIMIT = 10;
export const AUTH_FAILURE_WINDOW_SECONDS = 15 * 60;
/** last_used_at is written at most this often per token, not on every request. */
export const LAST_USED_RESOLUTION_SECONDS = 60;
/** A shorter ADMIN_TOKEN is ignored: it would be guessable. */
const MIN_ADMIN_TOKEN_LENGTH = 24;

const BOOTSTRAP: Principal = { tokenId: "admin-token", scopes: SCOPES };

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
  return { tokenId: token.id, scopes: token.scopes.split(" ").filter((s): s is Scope => (SCOPES as readonly string[]).includes(s)) };
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
      // Cloudflare sets CF-Connecting-IP; without it (local runs) every caller shares one bucket.
      const client = c.req.header("CF-Connecting-IP") ?? "local";
      const { failures, retryAfter } = await recordFailure(c.env.DB, client, Math.floor(Date.now() / 1000), AUTH_FAILURE_WINDOW_SECONDS);
      if (failures > AUTH_FAILURE_LIMIT) {
        throw new ApiError(
          429,
          "too_many_failed_attempts",
          `Too many failed authentication attempts from this address: wait ${retryAfter} s and retry with a valid token.`,
          undefined,
          { "Retry-After": String(retryAfter) },
        );
      }
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
