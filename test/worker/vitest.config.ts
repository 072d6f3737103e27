import { mkdirSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { cloudflareTest, readD1Migrations } from "@cloudflare/vitest-plugin";
import { defineConfig } from "vitest/config";

const root = fileURLToPath(new URL("../..", import.meta.url));
// wrangler.toml serves ./web/dist as static assets; it must exist even before the page is built.
mkdirSync(`${root}/web/dist`, { recursive: true });

export default defineConfig({
  root,
  plugins: [
    cloudflareTest(async () => ({
      wrangler: { configPath: `${root}/wrangler.toml` },
      miniflare: {
        bindings: {
          ADMIN_TOKEN: "test-admin-token-0123456789abcdef",
          // R2's smallest multipart part (5 MiB), so the limit and the multipart path are testable with small files.
          MAX_UPLOAD_BYTES: String(5 * 1024 * 1024),
          TEST_MIGRATIONS: await readD1Migrations(`${root}/worker/migrations`),
        },
      },
    })),
  ],
  test: {
    include: ["test/worker/**/*.test.ts"],
    setupFiles: ["test/worker/setup.ts"],
    silent: "passed-only",
  },
});
