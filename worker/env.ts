import type { Scope } from "./schemas.ts";

/** Bindings declared in wrangler.toml, plus the ADMIN_TOKEN secret. */
export interface Bindings {
  DB: D1Database;
  WEIGHTS: R2Bucket;
  ASSETS: Fetcher;
  /** Bootstrap token with every scope (`wrangler secret put ADMIN_TOKEN`, `.dev.vars` locally). */
  ADMIN_TOKEN?: string;
  /** Largest body a single upload request may carry, in bytes (a decimal string). */
  MAX_UPLOAD_BYTES?: string;
}

/** Who is calling an admin route, once authenticated. */
export interface Principal {
  tokenId: string;
  scopes: readonly Scope[];
}

export interface AppEnv {
  Bindings: Bindings;
  Variables: { requestId: string; principal?: Principal };
}
