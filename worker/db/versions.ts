/** D1 access for versions, their files and the current model: plain functions over the binding. */
import type { Manifest } from "../contract/manifest.ts";
import { placeholders } from "./sql.ts";

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
  generate: string;
  teacher: string | null;
  files: string;
}

const STATE_COLUMNS = `v.seq, v.id, v.status, v.created_at, v.finalized_at, v.promoted_at, (c.version_id IS NOT NULL) AS current`;
const FROM_VERSIONS = "FROM versions v LEFT JOIN current_model c ON c.version_id = v.id";
const SELECT_VERSION = `SELECT ${STATE_COLUMNS}, v.manifest ${FROM_VERSIONS}`;
// SQLite extracts the summary, so whole manifests never leave D1 for a list.
const SELECT_SUMMARY = `SELECT ${STATE_COLUMNS},
  json_extract(v.manifest, '$.name') AS name, json_extract(v.manifest, '$.created') AS created,
  json_extract(v.manifest, '$.image') AS image, json_array_length(v.manifest, '$.classes.names') AS class_count,
  json_extract(v.manifest, '$.defaults.generate') AS generate, json_extract(v.manifest, '$.teacher') AS teacher,
  json_extract(v.manifest, '$.files') AS files
  ${FROM_VERSIONS}`;

export function findVersion(db: D1Database, id: string): Promise<VersionRow | null> {
  return db.prepare(`${SELECT_VERSION} WHERE v.id = ?`).bind(id).first<VersionRow>();
}

/** The current version, with the pointer's generation (every promote raises it). */
export function findCurrent(db: D1Database): Promise<(VersionRow & { generation: number }) | null> {
  return db
    .prepare(`SELECT ${STATE_COLUMNS}, v.manifest, c.generation ${FROM_VERSIONS} WHERE c.version_id IS NOT NULL`)
    .first<VersionRow & { generation: number }>();
}

/** The pointer's generation now, or null when no version is current. */
export function currentGeneration(db: D1Database): Promise<number | null> {
  return db.prepare("SELECT generation FROM current_model").first<number>("generation");
}

/** Newest first; fetches one extra row to know whether another page exists. */
async function pageOf<Row extends { seq: number }>(
  db: D1Database,
  select: string,
  statuses: readonly VersionStatus[],
  limit: number,
  cursor: number | undefined,
): Promise<{ rows: Row[]; nextCursor: string | null }> {
  const { results } = await db
    .prepare(`${select} WHERE v.status IN (${placeholders(statuses)}) AND v.seq < ? ORDER BY v.seq DESC LIMIT ?`)
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

/** What registering a manifest did, decided in one transaction. */
export type Registration =
  | { outcome: "created" | "exists" }
  | { outcome: "id_retired"; deletedAt: string }
  | { outcome: "weights_being_deleted"; sha256s: string[] };

/**
 * Inserts a pending version with its files in one transaction, unless the id belonged to a deleted
 * published version or a delete is removing one of its files from R2, and says which happened.
 * When the id exists, nothing is written and the caller compares manifests (file rows are only
 * inserted for an identical one).
 */
export async function registerVersion(db: D1Database, manifest: Manifest, canonical: string, now: string): Promise<Registration> {
  const sha256s = JSON.stringify(manifest.files.map((file) => file.sha256));
  const results = await db.batch([
    db
      .prepare(
        `INSERT INTO versions (id, status, manifest, created_at)
         SELECT ?1, 'pending', ?2, ?3 WHERE NOT EXISTS (SELECT 1 FROM tombstones WHERE id = ?1)
           AND NOT EXISTS (SELECT 1 FROM weights_being_deleted WHERE sha256 IN (SELECT value FROM json_each(?4)))
         ON CONFLICT (id) DO NOTHING`,
      )
      .bind(manifest.id, canonical, now, sha256s),
    ...manifest.files.map((file) =>
      db
        .prepare(
          `INSERT INTO files (version_id, name, variant, bytes, sha256)
           SELECT ?1, ?2, ?3, ?4, ?5 WHERE EXISTS (SELECT 1 FROM versions WHERE id = ?1 AND manifest = ?6)
           ON CONFLICT DO NOTHING`,
        )
        .bind(manifest.id, file.name, file.variant, file.bytes, file.sha256, canonical),
    ),
    db
      .prepare(
        `SELECT (SELECT deleted_at FROM tombstones WHERE id = ?1) AS deleted_at,
           EXISTS (SELECT 1 FROM versions WHERE id = ?1) AS registered,
           (SELECT json_group_array(sha256) FROM weights_being_deleted WHERE sha256 IN (SELECT value FROM json_each(?2))) AS deleting`,
      )
      .bind(manifest.id, sha256s),
  ]);
  if ((results[0]?.meta.changes ?? 0) > 0) return { outcome: "created" };
  const state = (results.at(-1) as D1Result<{ deleted_at: string | null; registered: number; deleting: string }>).results[0];
  if (state?.deleted_at) return { outcome: "id_retired", deletedAt: state.deleted_at };
  if (state?.registered) return { outcome: "exists" };
  return { outcome: "weights_being_deleted", sha256s: JSON.parse(state?.deleting ?? "[]") as string[] };
}

/** Marks a file verified by `tokenId`, whose upload just proved R2 holds its bytes; the first verification stays. */
export async function markFileVerified(db: D1Database, id: string, name: string, tokenId: string, now: string): Promise<void> {
  await db
    .prepare(
      "UPDATE files SET verified_at = COALESCE(verified_at, ?1), verified_by = COALESCE(verified_by, ?2) WHERE version_id = ?3 AND name = ?4",
    )
    .bind(now, tokenId, id, name)
    .run();
}

/**
 * Marks verified, without an upload, the unverified files of a version (or only the one named)
 * whose bytes R2 already holds for a published version, or that `tokenId` itself verified for
 * another one: bytes someone else stored unreleased must be uploaded again, so no one can release
 * them by naming their sha256. One statement, so the check and the mark cannot be split. Returns
 * how many files it marked.
 */
export async function claimStoredFiles(db: D1Database, id: string, name: string | null, tokenId: string, now: string): Promise<number> {
  const result = await db
    .prepare(
      `UPDATE files SET verified_at = ?1, verified_by = ?2
       WHERE version_id = ?3 AND (?4 IS NULL OR name = ?4) AND verified_at IS NULL
         AND EXISTS (
           SELECT 1 FROM files AS held JOIN versions AS v ON v.id = held.version_id
           WHERE held.sha256 = files.sha256 AND held.bytes = files.bytes AND held.verified_at IS NOT NULL
             AND (v.status != 'pending' OR held.verified_by = ?2))`,
    )
    .bind(now, tokenId, id, name)
    .run();
  return result.meta.changes;
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
 * Makes a ready version current and raises the pointer's generation. The single-row upsert checks
 * the status in the same statement, so concurrent promotes serialise and the last one wins whole;
 * the batch keeps promoted_at in step.
 */
export async function promoteVersion(db: D1Database, id: string, now: string): Promise<boolean> {
  const [upsert] = await db.batch([
    db
      .prepare(
        `INSERT INTO current_model (singleton, version_id, promoted_at)
         SELECT 1, id, ?1 FROM versions WHERE id = ?2 AND status = 'ready'
         ON CONFLICT (singleton) DO UPDATE SET
           version_id = excluded.version_id, promoted_at = excluded.promoted_at, generation = current_model.generation + 1`,
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

const NOT_CURRENT = "?1 NOT IN (SELECT version_id FROM current_model)";

/**
 * Deletes a version that is not current, with its files and uploads (ON DELETE CASCADE), in one
 * transaction that also leaves a tombstone for a published version (its id is never registered
 * again) and lists the files no other version uses in weights_being_deleted. Until the caller has
 * removed those from R2 and called finishDeletions, no version can register them, so none can come
 * to rely on bytes about to go. Returns whether it deleted, and the sha256 of each file to remove.
 */
export async function deleteVersion(db: D1Database, id: string, now: string): Promise<{ deleted: boolean; orphans: string[] }> {
  const [orphans, , deleted] = await db.batch<{ sha256: string }>([
    db
      .prepare(
        `INSERT INTO weights_being_deleted (sha256, started_at)
         SELECT DISTINCT sha256, ?2 FROM files WHERE version_id = ?1 AND ${NOT_CURRENT}
           AND sha256 NOT IN (SELECT sha256 FROM files WHERE version_id != ?1)
         RETURNING sha256`,
      )
      .bind(id, now),
    db
      .prepare(
        `INSERT INTO tombstones (id, deleted_at) SELECT id, ?2 FROM versions WHERE id = ?1 AND finalized_at IS NOT NULL AND ${NOT_CURRENT}`,
      )
      .bind(id, now),
    db.prepare(`DELETE FROM versions WHERE id = ?1 AND ${NOT_CURRENT}`).bind(id),
  ]);
  return { deleted: (deleted?.meta.changes ?? 0) > 0, orphans: orphans?.results.map((row) => row.sha256) ?? [] };
}

/** Files whose removal from R2 was started, oldest first, at most `limit`: a delete may have been cut off before it finished. */
export async function listDeletions(db: D1Database, limit: number): Promise<string[]> {
  const { results } = await db
    .prepare("SELECT sha256 FROM weights_being_deleted ORDER BY started_at LIMIT ?")
    .bind(limit)
    .all<{ sha256: string }>();
  return results.map((row) => row.sha256);
}

/** R2 no longer holds these files: versions may register them again (and must upload them). */
export async function finishDeletions(db: D1Database, sha256s: readonly string[]): Promise<void> {
  if (sha256s.length === 0) return;
  await db
    .prepare(`DELETE FROM weights_being_deleted WHERE sha256 IN (${placeholders(sha256s)})`)
    .bind(...sha256s)
    .run();
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
