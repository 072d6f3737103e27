/**
 * npm run manifest-schema: writes worker/contract/manifest.schema.json, the JSON Schema of the manifest
 * contract, from its one source (the zod schema in worker/contract/manifest.ts), so that model/tests/test_export.py
 * can check what Python writes against what the Worker accepts. Refinements that JSON
 * Schema cannot say (null_class = names.length, ...) stay in zod alone.
 */
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { z } from "@hono/zod-openapi";
import { Manifest } from "../worker/contract/manifest.ts";
import { root } from "./lib/local-worker.ts";

export const SCHEMA_FILE = join(root, "worker/contract/manifest.schema.json");

/** The schema as committed: what a manifest must look like when it reaches the Worker. */
export function manifestJsonSchema(): string {
  return `${JSON.stringify(z.toJSONSchema(Manifest, { io: "input" }), null, 2)}\n`;
}

if (import.meta.main) {
  writeFileSync(SCHEMA_FILE, manifestJsonSchema());
  console.log(`wrote ${SCHEMA_FILE}`);
}
