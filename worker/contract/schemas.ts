import { z } from "@hono/zod-openapi";
import { FileName, GenerateDefaults, Manifest, ManifestFile, Sha256, VersionId } from "./manifest.ts";

/** Scopes a token may hold; ADMIN_TOKEN holds all of them. */
export const SCOPES = ["models:write", "models:promote", "tokens:admin"] as const;
export const Scope = z.enum(SCOPES);
export type Scope = z.infer<typeof Scope>;

export const ErrorBody = z
  .object({
    error: z.string().openapi({ example: "version_not_found" }),
    message: z.string().openapi({ example: "No published version has this id: list versions with GET /api/models." }),
  })
  .openapi("Error");

export const VersionStatus = z.enum(["pending", "ready", "retired"]);

/**
 * What GET /api/models/{id} answers: only what can never change once a version is finalized, so
 * the answer is cacheable forever. Status, current and promoted_at change: see PublicVersion.
 */
export const PublishedVersion = z
  .object({
    id: VersionId,
    created_at: z.string(),
    finalized_at: z.string().nullable(),
    manifest: Manifest.safeExtend({
      files: z.array(ManifestFile.extend({ url: z.string().openapi({ description: "GET it: /api/weights/<sha256>" }) })),
    }),
  })
  .openapi("PublishedVersion");
export type PublishedVersion = z.infer<typeof PublishedVersion>;

export const PublicVersion = PublishedVersion.extend({
  status: VersionStatus,
  current: z.boolean(),
  promoted_at: z.string().nullable().openapi({ description: "When this version last became current." }),
}).openapi("Version");
export type PublicVersion = z.infer<typeof PublicVersion>;

/** A list item: the facts a picker shows, never the whole manifest (up to 1 MiB each). */
export const VersionSummary = z
  .object({
    id: VersionId,
    status: VersionStatus,
    current: z.boolean(),
    created_at: z.string(),
    finalized_at: z.string().nullable(),
    promoted_at: z.string().nullable(),
    name: z.string(),
    created: z.string().openapi({ description: "When the model was exported (the manifest's `created`)." }),
    image: z.object({ size: z.number(), channels: z.number(), range: z.tuple([z.number(), z.number()]) }),
    class_count: z.number().int(),
    generate: GenerateDefaults.openapi({ description: "How it generates best (the manifest's defaults.generate)." }),
    teacher: VersionId.nullable().openapi({ description: "A distilled student's teacher (the manifest's `teacher`); null for others." }),
    files: z.array(ManifestFile.pick({ name: true, variant: true, bytes: true })),
    url: z.string().openapi({ description: "The whole version with its manifest: /api/models/<id>" }),
  })
  .openapi("VersionSummary");
export type VersionSummary = z.infer<typeof VersionSummary>;

export const FileState = z
  .object({
    name: FileName,
    sha256: Sha256,
    bytes: z.number().int(),
    verified: z.boolean().openapi({ description: "R2 holds exactly these bytes (sha256 checked by the Worker)." }),
  })
  .openapi("FileState");
export type FileState = z.infer<typeof FileState>;

export const AdminVersion = PublicVersion.extend({ files: z.array(FileState) }).openapi("AdminVersion");
export type AdminVersion = z.infer<typeof AdminVersion>;

/** Keyset pagination: `cursor` is the `next_cursor` of the previous page. */
export const ListQuery = z.object({
  limit: z.coerce
    .number()
    .int()
    .min(1)
    .max(100)
    .default(20)
    .openapi({ param: { name: "limit", in: "query" } }),
  cursor: z
    .string()
    .regex(/^[1-9][0-9]{0,15}$/, "must be a next_cursor value returned by a previous page")
    .optional()
    .openapi({ param: { name: "cursor", in: "query" } }),
});

export function versionList<T extends z.ZodType>(item: T) {
  return z.object({ items: z.array(item), next_cursor: z.string().nullable() });
}

export const IdParams = z.object({ id: VersionId.openapi({ param: { name: "id", in: "path" } }) });
export const FileParams = IdParams.extend({ name: FileName.openapi({ param: { name: "name", in: "path" } }) });
export const UploadParams = FileParams.extend({
  upload_id: z
    .string()
    .regex(/^upl_[0-9a-f]{32}$/, "must be an upload_id returned by POST .../uploads")
    .openapi({ param: { name: "upload_id", in: "path" } }),
});
export const PartParams = UploadParams.extend({
  // Plain decimal digits only: Number() would also take "0x1", " 1" and "1e3".
  part_number: z
    .string()
    .regex(/^[1-9][0-9]{0,4}$/, "a part number is a whole number from 1 to 10000, in plain digits")
    .transform(Number)
    .pipe(z.number().max(10000))
    .openapi({ param: { name: "part_number", in: "path" }, type: "integer" }),
});
export const ShaParams = z.object({ sha256: Sha256.openapi({ param: { name: "sha256", in: "path" } }) });

export const TokenInfo = z
  .object({
    id: z.string(),
    name: z.string(),
    scopes: z.array(Scope),
    created_at: z.string(),
    revoked_at: z.string().nullable(),
    expires_at: z.string().nullable().openapi({ description: "After this the token is refused (`token_expired`)." }),
    last_used_at: z.string().nullable().openapi({ description: "When it last authenticated a request, to the minute." }),
  })
  .openapi("Token");
export type TokenInfo = z.infer<typeof TokenInfo>;

export const TokenParams = z.object({
  token_id: z
    .string()
    .regex(/^tok_[0-9a-f]{16}$/)
    .openapi({ param: { name: "token_id", in: "path" } }),
});
