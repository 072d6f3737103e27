import { fileURLToPath } from "node:url";
import { defineConfig } from "vitest/config";

export default defineConfig({
  root: fileURLToPath(new URL("../../..", import.meta.url)),
  test: {
    include: ["test/web/e2e/**/*.e2e.test.ts"],
    environment: "node",
    globalSetup: ["test/web/e2e/global-setup.ts"],
    // Two cores: one browser at a time.
    fileParallelism: false,
    testTimeout: 120_000,
    hookTimeout: 120_000,
  },
});
