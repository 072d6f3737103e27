/** D1 access for API tokens (only hashes are stored) and the failed-attempt counter. */
import type { Scope } from "../contract/schemas.ts";

export interface TokenRow {
  id: string;
  name: string;
  scopes: string;
  created_at: string;
  revoked_at: string | null;
  /** Every token minted now expires; null survives only in rows D1 got some other way (migration 0003 gave older ones an expiry). */
  expires_at: string | null;
  last_used_at: string | null;
}

const COLUMNS = "id, name, scopes, created_at, revoked_at, expires_at, last_used_at";

export async function insertToken(
  db: D1Database,
  token: { id: string; name: string; hash: string; scopes: readonly Scope[]; expiresAt: string },
  now: string,
): Promise<void> {
  await db
    .prepare("INSERT INTO tokens (id, name, hash, scopes, created_at, expires_at) VALUES (?, ?, ?, ?, ?, ?)")
    .bind(token.id, token.name, token.hash, token.scopes.join(" "), now, token.expiresAt)
    .run();
}

export function findTokenByHash(db: D1Database, hash: string): Promise<TokenRow | null> {
  return db.prepare(`SELECT ${COLUMNS} FROM tokens WHERE hash = ?`).bind(hash).first<TokenRow>();
}

/** Sets last_used_at to `now` unless it is already later than `since` (another request got there first). */
export async function recordUse(db: D1Database, id: string, now: string, since: string): Promise<void> {
  await db
    .prepare("UPDATE tokens SET last_used_at = ?1 WHERE id = ?2 AND (last_used_at IS NULL OR last_used_at <= ?3)")
    .bind(now, id, since)
    .run();
}

export async function listTokens(db: D1Database): Promise<TokenRow[]> {
  const { results } = await db.prepare(`SELECT ${COLUMNS} FROM tokens ORDER BY created_at, id`).all<TokenRow>();
  return results;
}

/** Sets revoked_at once; revoking twice keeps the first time. Returns the row, or null if unknown. */
export function revokeToken(db: D1Database, id: string, now: string): Promise<TokenRow | null> {
  return db
    .prepare(`UPDATE tokens SET revoked_at = COALESCE(revoked_at, ?) WHERE id = ? RETURNING ${COLUMNS}`)
    .bind(now, id)
    .first<TokenRow>();
}

/** The failures counted for `client` in its current window, or null when it has none. */
export async function failureWindow(db: D1Database, client: string, nowSeconds: number, windowSeconds: number) {
  const row = await db
    .prepare("SELECT failures, window_start FROM auth_failures WHERE client = ? AND window_start > ? - ?")
    .bind(client, nowSeconds, windowSeconds)
    .first<{ failures: number; window_start: number }>();
  return row && { failures: row.failures, retryAfter: row.window_start + windowSeconds - nowSeconds };
}

/**
 * Counts one failure of `client`, starting a fresh window when the old one has passed, unless its
 * window already holds `limit` failures: one atomic upsert, so concurrent failures never count past
 * the limit. Returns whether it counted. Windows that have passed are deleted on the way, so the
 * table never grows without bound.
 */
export async function recordFailure(db: D1Database, client: string, nowSeconds: number, windowSeconds: number, limit: number) {
  const [, counted] = await db.batch([
    db.prepare("DELETE FROM auth_failures WHERE window_start <= ?1 - ?2 AND client != ?3").bind(nowSeconds, windowSeconds, client),
    db
      .prepare(
        `INSERT INTO auth_failures (client, window_start, failures) VALUES (?1, ?2, 1)
         ON CONFLICT (client) DO UPDATE SET
           failures = CASE WHEN window_start <= ?2 - ?3 THEN 1 ELSE failures + 1 END,
           window_start = CASE WHEN window_start <= ?2 - ?3 THEN ?2 ELSE window_start END
         WHERE window_start <= ?2 - ?3 OR failures < ?4
         RETURNING failures`,
      )
      .bind(client, nowSeconds, windowSeconds, limit),
  ]);
  return (counted?.results.length ?? 0) > 0;
}
