/** D1 access for multipart uploads in flight. */
import { placeholders } from "./sql.ts";

export interface UploadRow {
  id: string;
  r2_upload_id: string;
  version_id: string;
  name: string;
  r2_key: string;
}

export async function insertUpload(db: D1Database, row: UploadRow, now: string): Promise<void> {
  await db
    .prepare("INSERT INTO uploads (id, r2_upload_id, version_id, name, r2_key, created_at) VALUES (?, ?, ?, ?, ?, ?)")
    .bind(row.id, row.r2_upload_id, row.version_id, row.name, row.r2_key, now)
    .run();
}

export function findUpload(db: D1Database, id: string, versionId: string, name: string): Promise<UploadRow | null> {
  return db
    .prepare("SELECT id, r2_upload_id, version_id, name, r2_key FROM uploads WHERE id = ? AND version_id = ? AND name = ?")
    .bind(id, versionId, name)
    .first<UploadRow>();
}

export async function listUploads(db: D1Database, versionId: string): Promise<UploadRow[]> {
  const { results } = await db
    .prepare("SELECT id, r2_upload_id, version_id, name, r2_key FROM uploads WHERE version_id = ?")
    .bind(versionId)
    .all<UploadRow>();
  return results;
}

/** Uploads started before `cutoff`, oldest first, at most `limit` of them. */
export async function listUploadsStartedBefore(db: D1Database, cutoff: string, limit: number): Promise<UploadRow[]> {
  const { results } = await db
    .prepare("SELECT id, r2_upload_id, version_id, name, r2_key FROM uploads WHERE created_at < ? ORDER BY created_at LIMIT ?")
    .bind(cutoff, limit)
    .all<UploadRow>();
  return results;
}

export async function deleteUploads(db: D1Database, ids: readonly string[]): Promise<void> {
  if (ids.length === 0) return;
  await db
    .prepare(`DELETE FROM uploads WHERE id IN (${placeholders(ids)})`)
    .bind(...ids)
    .run();
}
