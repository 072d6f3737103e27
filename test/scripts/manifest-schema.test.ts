// worker/contract/manifest.schema.json is generated from the zod manifest schema; Python's tests read it.
import { readFileSync } from "node:fs";
import { expect, test } from "vitest";
import { manifestJsonSchema, SCHEMA_FILE } from "../../scripts/manifest-schema.ts";

test("the committed manifest JSON Schema is the one the Worker's zod schema gives", () => {
  expect(readFileSync(SCHEMA_FILE, "utf8"), "run: npm run manifest-schema").toBe(manifestJsonSchema());
});
