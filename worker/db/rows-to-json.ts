/** D1 rows turned into the JSON the API returns. */

import { type Manifest, weightsPath } from "../contract/manifest.ts";
import type { AdminVersion, FileState, PublicVersion, PublishedVersion, VersionSummary } from "../contract/schemas.ts";
import type { FileRow, SummaryRow, VersionRow } from "./versions.ts";

export function publishedVersion(row: VersionRow, origin: string): PublishedVersion {
  const manifest = JSON.parse(row.manifest) as Manifest;
  return {
    id: row.id,
    created_at: row.created_at,
    finalized_at: row.finalized_at,
    manifest: { ...manifest, files: manifest.files.map((file) => ({ ...file, url: origin + weightsPath(file.sha256) })) },
  };
}

export function publicVersion(row: VersionRow, origin: string): PublicVersion {
  return { ...publishedVersion(row, origin), status: row.status, current: row.current === 1, promoted_at: row.promoted_at };
}

export function versionSummary(row: SummaryRow, origin: string): VersionSummary {
  const files = JSON.parse(row.files) as Manifest["files"];
  return {
    id: row.id,
    status: row.status,
    current: row.current === 1,
    created_at: row.created_at,
    finalized_at: row.finalized_at,
    promoted_at: row.promoted_at,
    name: row.name,
    created: row.created,
    image: JSON.parse(row.image) as Manifest["image"],
    class_count: row.class_count,
    generate: JSON.parse(row.generate) as Manifest["defaults"]["generate"],
    teacher: row.teacher,
    files: files.map(({ name, variant, bytes }) => ({ name, variant, bytes })),
    url: `${origin}/api/models/${row.id}`,
  };
}

export function fileState(row: FileRow): FileState {
  return { name: row.name, sha256: row.sha256, bytes: row.bytes, verified: row.verified_at !== null };
}

export function adminVersion(row: VersionRow, files: readonly FileRow[], origin: string): AdminVersion {
  return { ...publicVersion(row, origin), files: files.map(fileState) };
}
