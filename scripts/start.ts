/**
 * Run everything locally, offline: npm start [-- --port 8787]
 *
 * Builds the page, applies the D1 migrations, starts `wrangler dev` on 127.0.0.1 with embedded D1
 * and R2 (.wrangler/state), and publishes the committed models into it, idempotently: the default
 * model (model/weights/) and its distilled student (model/weights/student/), current where its
 * evaluation holds (scripts/lib/committed-models.ts). Ctrl-C stops it.
 */
import { execFileSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { appendFileSync, chmodSync, existsSync, mkdirSync } from "node:fs";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { publishCommitted } from "./lib/committed-models.ts";
import { DEFAULT_MODEL, localAdminToken, root, startLocalWorker } from "./lib/local-worker.ts";

/** The bootstrap admin token of the local Worker, made once and kept in .dev.vars (git-ignored, readable by its owner only). */
function ensureAdminToken(): string {
  const vars = join(root, ".dev.vars");
  const existing = localAdminToken();
  if (existing) {
    chmodSync(vars, 0o600);
    return existing;
  }
  const token = randomBytes(32).toString("hex");
  appendFileSync(vars, `ADMIN_TOKEN=${token}\n`, { mode: 0o600 });
  chmodSync(vars, 0o600); // an older file keeps its mode on append
  return token;
}

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { port: { type: "string", default: "8787" } } });
  console.log("building the page…");
  execFileSync("npm", ["run", "build", "--silent"], { cwd: root, stdio: "inherit" });
  const state = join(root, ".wrangler/state");
  mkdirSync(state, { recursive: true });
  const token = ensureAdminToken();
  // wrangler runs in its own process group: Ctrl-C must stop it explicitly, from the first moment.
  const shutdown = new AbortController();
  const stop = () => {
    shutdown.abort();
    process.exit(0);
  };
  process.on("SIGINT", stop);
  process.on("SIGTERM", stop);
  console.log("starting wrangler dev with local D1 and R2…");
  const worker = await startLocalWorker({
    persistTo: state,
    adminToken: token,
    port: Number(values.port),
    log: join(state, "wrangler-dev.log"),
    signal: shutdown.signal,
  });
  try {
    if (!existsSync(join(DEFAULT_MODEL, "manifest.json"))) throw new Error(`${DEFAULT_MODEL} holds no exported model`);
    await publishCommitted({ baseUrl: worker.url, token, log: (line) => console.log(`  ${line}`) });
  } catch (e) {
    worker.stop();
    if (!(e as Error).message.includes("version_exists")) throw e;
    // A committed model's manifest changed under the same id since this registry last published it.
    throw new Error(
      `${(e as Error).message}\n  The local registry in ${state} holds an older manifest for a committed model, ` +
        "from an earlier checkout: remove that folder (it holds only local test data) and run npm start again.",
    );
  }
  console.log(`\nedge-diffusion is running at ${worker.url}  (API: ${worker.url}/api/openapi.json; log: ${worker.log}; Ctrl-C stops it)`);
}

main().catch((e: unknown) => {
  console.error(`npm start failed: ${(e as Error).message}`);
  process.exit(1);
});
