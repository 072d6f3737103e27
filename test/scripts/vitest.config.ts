import { mkdirSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { defineConfig } from "vitest/config";

const root = fileURLToPath(new URL("../..", import.meta.url));
// wrangler.toml serves ./web/dist as static assets; it must exist even before the page is built.
mkdirSync(`${root}/web/dist`, { recursive: true });

export default defineConfig({
  root,
  test: { include: ["test/scripts/**/*.test.ts"], environment: "node", testTimeout: 60_000, hookTimeout: 180_000 },
});
