/** D1 access for versions, their files and the current model: plain functions over the binding. */
import type { Manifest } from "../manifest.ts";

export type VersionStatus = "pending" | "ready" | "retired";

export interface VersionRow {
  seq: number;
  id: string;
  status: VersionStatus;
  manifest: string;
  created_at: string;
  finalized_at: string | null;
  promoted_at: string | null;
  current: number;
}

export interface FileRow {
  name: string;
  variant: string;
  bytes: number;
  sha256: string;
  verified_at: string | null;
}

/** What a list item shows instead of the manifest, which may have up to 1 MiB: a few fields of it, as JSON text. */
export interface SummaryRow extends Omit<VersionRow, "manifest"> {
  name: string;
  created: string;
  image: string;
  class_count: number;
  files: string;
}

const STATE_COLUMNS = `v.seq, v.id, v.status, v.created_at, v.finalized_at, v.promoted_at, (c.version_id IS NOT NULL) AS current`;
const FROM_VERSIONS = "FROM versions v LEFT JOIN current_model c ON c.version_id = v.id";
const SELECT_VERSION = `SELECT ${STATE_COLUMNS}, v.manifest ${FROM_VERSIONS}`;
// SQLite extracts the summary, so whole manifests never leave D1 for a list.
const SELECT_SUMMARY = `SELECT ${STATE_COLUMNS},
  json_extract(v.manifest, '$.name') AS name, json_extract(v.manifest, '$.created') AS created,
  json_extract(v.manifest, '$.image') AS image, json_array_length(v.manifest, '$.classes.names') AS class_count,
  json_extract(v.manifest, '$.files') AS files
  ${FROM_VERSIONS}`;

export function findVersion(db: D1Database, id: string): Promise<VersionRow | null> {
  return db.prepare(`${SELECT_VERSION} WHERE v.id = ?`).bind(id).first<VersionRow>();
}

export function findCurrent(db: D1Database): Promise<VersionRow | null> {
  return db.prepare(`${SELECT_VERSION} WHERE c.version_id IS NOT NULL`).first<VersionRow>();
}

/** Newest first; fetches one extra row to know whether another page exists. */
async function pageOf<Row extends { seq: number }>(
  db: D1Database,
  select: string,
  statuses: readonly VersionStatus[],
  limit: number,
  cursor: number | undefined,
): Promise<{ rows: Row[]; nextCursor: string | null }> {
  const placeholders = statuses.map(() => "?").join(", ");
  const { results } = await db
    .prepare(`${select} WHERE v.status IN (${placeholders}) AND v.seq < ? ORDER BY v.seq DESC LIMIT ?`)
    .bind(...statuses, cursor ?? Number.MAX_SAFE_INTEGER, limit + 1)
    .all<Row>();
  const rows = results.slice(0, limit);
  const last = rows.at(-1);
  return { rows, nextCursor: results.length > limit && last ? String(last.seq) : null };
}

export function listVersions(db: D1Database, statuses: readonly VersionStatus[], limit: number, cursor: number | undefined) {
  return pageOf<VersionRow>(db, SELECT_VERSION, statuses, limit, cursor);
}

export function listVersionSummaries(db: D1Database, statuses: readonly VersionStatus[], limit: number, cursor: number | undefined) {
  return pageOf<SummaryRow>(db, SELECT_SUMMARY, statuses, limit, cursor);
}

export async function listFiles(db: D1Database, id: string): Promise<FileRow[]> {
  const { results } = await db
    .prepare("SELECT name, variant, bytes, sha256, verified_at FROM files WHERE version_id = ? ORDER BY name")
    .bind(id)
    .all<FileRow>();
  return results;
}

export function findFile(db: D1Database, id: string, name: string): Promise<FileRow | null> {
  return db
    .prepare("SELECT name, variant, bytes, sha256, verified_at FROM files WHERE version_id = ? AND name = ?")
    .bind(id, name)
    .first<FileRow>();
}

/**
 * Inserts a pending version with its files in one transaction. When the id exists, nothing is
 * written and the caller compares manifests (file rows are only inserted for an identical one).
 */
export async function insertVersion(db: D1Database, manifest: Manifest, canonical: string, now: string): Promise<boolean> {
  const [version] = await db.batch([
    db
      .prepare("INSERT INTO versions (id, status, manifest, created_at) VALUES (?, 'pending', ?, ?) ON CONFLICT (id) DO NOTHING")
      .bind(manifest.id, canonical, now),
    ...manifest.files.map((file) =>
      db
        .prepare(
          `INSERT INTO files (version_id, name, variant, bytes, sha256)
           SELECT ?1, ?2, ?3, ?4, ?5 WHERE EXISTS (SELECT 1 FROM versions WHERE id = ?1 AND manifest = ?6)
           ON CONFLICT DO NOTHING`,
        )
        .bind(manifest.id, file.name, file.variant, file.bytes, file.sha256, canonical),
    ),
  ]);
  return (version?.meta.changes ?? 0) > 0;
}

export async function markFileVerified(db: D1Database, id: string, name: string, now: string): Promise<void> {
  await db.prepare("UPDATE files SET verified_at = COALESCE(verified_at, ?) WHERE version_id = ? AND name = ?").bind(now, id, name).run();
}

/** pending -> ready, only while every file is verified (checked in the same statement). */
export async function finalizeVersion(db: D1Database, id: string, now: string): Promise<boolean> {
  const result = await db
    .prepare(
      `UPDATE versions SET status = 'ready', finalized_at = ?1 WHERE id = ?2 AND status = 'pending'
       AND NOT EXISTS (SELECT 1 FROM files WHERE version_id = ?2 AND verified_at IS NULL)`,
    )
    .bind(now, id)
    .run();
  return result.meta.changes > 0;
}

/**
 * Makes a ready version current. The single-row upsert checks the status in the same statement,
 * so concurrent promotes serialise and the last one wins whole; the batch keeps promoted_at in step.
 */
export async function promoteVersion(db: D1Database, id: string, now: string): Promise<boolean> {
  const [upsert] = await db.batch([
    db
      .prepare(
        `INSERT INTO current_model (singleton, version_id, promoted_at)
         SELECT 1, id, ?1 FROM versions WHERE id = ?2 AND status = 'ready'
         ON CONFLICT (singleton) DO UPDATE SET version_id = excluded.version_id, promoted_at = excluded.promoted_at`,
      )
      .bind(now, id),
    db.prepare("UPDATE versions SET promoted_at = ?1 WHERE id = ?2 AND id = (SELECT version_id FROM current_model)").bind(now, id),
  ]);
  return (upsert?.meta.changes ?? 0) > 0;
}

/** The ready version promoted most recently before the current one: the target of a rollback. */
export async function previousVersionId(db: D1Database): Promise<string | null> {
  return db
    .prepare(
      `SELECT id FROM versions WHERE status = 'ready' AND promoted_at IS NOT NULL
       AND id NOT IN (SELECT version_id FROM current_model) ORDER BY promoted_at DESC, seq DESC LIMIT 1`,
    )
    .first<string>("id");
}

/** ready -> retired, never for the current version (checked in the same statement). */
export async function retireVersion(db: D1Database, id: string): Promise<boolean> {
  const result = await db
    .prepare(
      `UPDATE versions SET status = 'retired' WHERE id = ?1 AND status = 'ready'
       AND id NOT IN (SELECT version_id FROM current_model)`,
    )
    .bind(id)
    .run();
  return result.meta.changes > 0;
}

/** Deletes a version that is not current; files and uploads go with it (ON DELETE CASCADE). */
export async function deleteVersion(db: D1Database, id: string): Promise<boolean> {
  const result = await db.prepare("DELETE FROM versions WHERE id = ?1 AND id NOT IN (SELECT version_id FROM current_model)").bind(id).run();
  return result.meta.changes > 0;
}

/** Of these hashes, those no remaining file row refers to: their R2 objects can go. */
export async function unreferencedHashes(db: D1Database, hashes: readonly string[]): Promise<string[]> {
  if (hashes.length === 0) return [];
  const { results } = await db
    .prepare(`SELECT DISTINCT sha256 FROM files WHERE sha256 IN (${hashes.map(() => "?").join(", ")})`)
    .bind(...hashes)
    .all<{ sha256: string }>();
  const referenced = new Set(results.map((row) => row.sha256));
  return hashes.filter((hash) => !referenced.has(hash));
}

/** Size of a weight file that belongs to a published (ready or retired) version, else null. */
export function publishedWeightBytes(db: D1Database, sha256: string): Promise<number | null> {
  return db
    .prepare(
      `SELECT f.bytes FROM files f JOIN versions v ON v.id = f.version_id
       WHERE f.sha256 = ? AND v.status != 'pending' AND f.verified_at IS NOT NULL LIMIT 1`,
    )
    .bind(sha256)
    .first<number>("bytes");
}
