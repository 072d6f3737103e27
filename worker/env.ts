import type { Scope } from "./contract/schemas.ts";

/** Bindings declared in wrangler.toml, plus the ADMIN_TOKEN secret. */
export interface Bindings {
  DB: D1Database;
  WEIGHTS: R2Bucket;
  ASSETS: Fetcher;
  /** Bootstrap token with every scope (`wrangler secret put ADMIN_TOKEN`, `.dev.vars` locally). */
  ADMIN_TOKEN?: string;
  /** Largest body a single upload request may carry, in bytes (a decimal string). */
  MAX_UPLOAD_BYTES?: string;
  /** Longest life of a minted token, in days (a decimal string; 90 when unset). */
  TOKEN_MAX_LIFETIME_DAYS?: string;
}

/** A [vars] value that should be a positive whole number, or `fallback` when it is unset or is not one. */
export function positiveIntVar(value: string | undefined, fallback: number): number {
  const parsed = Number(value);
  return value !== undefined && Number.isSafeInteger(parsed) && parsed > 0 ? parsed : fallback;
}

/** Who is calling an admin route, once authenticated. */
export interface Principal {
  tokenId: string;
  scopes: readonly Scope[];
  /** When the token expires (ISO 8601); null for ADMIN_TOKEN, which never does. */
  expiresAt: string | null;
}

export interface AppEnv {
  Bindings: Bindings;
  Variables: { requestId: string; principal?: Principal };
}
