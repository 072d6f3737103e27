/** D1 rows turned into the JSON the API returns. */
import type { FileRow, VersionRow } from "./db/versions";
import { weightsPath, type Manifest } from "./manifest";
import type { AdminVersion, FileState, PublicVersion } from "./schemas";

export function publicVersion(row: VersionRow, origin: string): PublicVersion {
  const manifest = JSON.parse(row.manifest) as Manifest;
  return {
    id: row.id,
    status: row.status,
    current: row.current === 1,
    created_at: row.created_at,
    finalized_at: row.finalized_at,
    promoted_at: row.promoted_at,
    manifest: { ...manifest, files: manifest.files.map((file) => ({ ...file, url: origin + weightsPath(file.sha256) })) },
  };
}

export function fileState(row: FileRow): FileState {
  return { name: row.name, sha256: row.sha256, bytes: row.bytes, verified: row.verified_at !== null };
}

export function adminVersion(row: VersionRow, files: readonly FileRow[], origin: string): AdminVersion {
  return { ...publicVersion(row, origin), files: files.map(fileState) };
}
