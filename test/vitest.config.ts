// Every test suite in one file, one project per runtime: `vitest run --config test/vitest.config.ts --project <name>`.
import { mkdirSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { cloudflareTest, readD1Migrations } from "@cloudflare/vitest-plugin";
import { defineConfig } from "vitest/config";

const root = fileURLToPath(new URL("..", import.meta.url));
// wrangler.toml serves ./web/dist as static assets; it must exist even before the page is built.
mkdirSync(`${root}/web/dist`, { recursive: true });

export default defineConfig({
  root,
  test: {
    // Console output only from failing tests (workerd logs every request).
    silent: "passed-only",
    projects: [
      {
        // The Worker inside workerd, on real D1 and R2 (miniflare).
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
        test: { name: "worker", include: ["test/worker/**/*.test.ts"], setupFiles: ["test/worker/setup.ts"] },
      },
      // PyTorch's export against onnxruntime-node.
      { test: { name: "onnx", include: ["test/onnx/**/*.test.ts"], environment: "node", testTimeout: 60_000 } },
      // The publish, deploy and schema scripts against a real `wrangler dev`.
      {
        test: { name: "scripts", include: ["test/scripts/**/*.test.ts"], environment: "node", testTimeout: 60_000, hookTimeout: 180_000 },
      },
      // The page's maths, jobs and components, in Node.
      { test: { name: "web", include: ["test/web/unit/**/*.test.ts"], environment: "node" } },
      // The built page in Debian's Chromium, one browser at a time (two cores).
      {
        test: {
          name: "e2e",
          include: ["test/web/e2e/**/*.e2e.test.ts"],
          environment: "node",
          globalSetup: ["test/web/e2e/global-setup.ts"],
          fileParallelism: false,
          testTimeout: 120_000,
          hookTimeout: 120_000,
        },
      },
    ],
  },
});
