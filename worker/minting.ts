/**
 * What a token may mint, as with npm's and GitHub's fine-grained tokens: only scopes it holds, an
 * expiry no later than its own, and never a token that outlives the maximum lifetime.
 */

import type { Scope } from "./contract/schemas.ts";
import { type Bindings, type Principal, positiveIntVar } from "./env.ts";
import { ApiError } from "./http/errors.ts";

/** npm's limit for write tokens: long enough for a release cycle, short enough that a leaked one dies. */
const DEFAULT_TOKEN_MAX_LIFETIME_DAYS = 90;
const DAY_MS = 24 * 60 * 60 * 1000;

/** Throws 403 `scope_not_held` unless `minter` holds every scope asked for. */
export function checkGrantable(minter: Principal, scopes: readonly Scope[]): void {
  const notHeld = scopes.filter((scope) => !minter.scopes.includes(scope));
  if (notHeld.length > 0) {
    throw new ApiError(
      403,
      "scope_not_held",
      `A token can grant only scopes it holds, and this one lacks ${notHeld.join(", ")}: ask for fewer, or mint with a token that holds them.`,
      { not_held: notHeld },
    );
  }
}

/**
 * When a token minted now by `minter` expires (ISO 8601): when asked, else the latest allowed.
 * Asking for later throws 400 `expiry_too_late` naming the latest allowed and why.
 */
export function expiryFor(
  minter: Principal,
  asked: { expires_in_seconds?: number | undefined; expires_at?: string | undefined },
  nowMs: number,
  env: Bindings,
): string {
  const maxDays = positiveIntVar(env.TOKEN_MAX_LIFETIME_DAYS, DEFAULT_TOKEN_MAX_LIFETIME_DAYS);
  const minterExpiryMs = minter.expiresAt === null ? Number.POSITIVE_INFINITY : Date.parse(minter.expiresAt);
  const latestMs = Math.min(nowMs + maxDays * DAY_MS, minterExpiryMs);
  let askedMs = latestMs;
  if (asked.expires_at !== undefined) askedMs = Date.parse(asked.expires_at);
  else if (asked.expires_in_seconds !== undefined) askedMs = nowMs + asked.expires_in_seconds * 1000;
  if (askedMs > latestMs) {
    const latest = new Date(latestMs).toISOString();
    const why = latestMs === minterExpiryMs ? "when the token minting it expires" : `tokens live at most ${maxDays} days`;
    throw new ApiError(
      400,
      "expiry_too_late",
      `A new token may expire at ${latest} at the latest (${why}): ask for an earlier expiry, or omit it to get that one.`,
      { latest_expires_at: latest },
    );
  }
  return new Date(askedMs).toISOString();
}
