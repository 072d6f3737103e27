// The Worker under `wrangler dev` on loopback with embedded D1/R2: for `npm start`, the tests
// and the benchmarks. Runs in its own process group, so stopping it stops workerd too.
import { type ChildProcess, execFileSync, spawn } from "node:child_process";
import { chmodSync, existsSync, mkdirSync, openSync, readFileSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { join } from "node:path";

export const root = join(import.meta.dirname, "../..");
export const wrangler = join(root, "node_modules/.bin/wrangler");
/** The committed default model: what `npm start` and `npm run deploy` publish. */
export const DEFAULT_MODEL = join(root, "model/weights");
// Offline: no telemetry, no lookups of Cloudflare hosts.
const offline = { WRANGLER_SEND_METRICS: "false", CLOUDFLARE_CF_FETCH_ENABLED: "false" };

export interface LocalWorker {
  url: string;
  log: string;
  stop(): void;
}

export interface LocalWorkerOptions {
  /** Where local D1/R2 state lives (wrangler's --persist-to). */
  persistTo: string;
  adminToken: string;
  /** 0 picks a free port. */
  port?: number;
  /** wrangler's output goes here. */
  log: string;
  /** Stops wrangler when aborted, even while it is still starting (Ctrl-C in npm start). */
  signal?: AbortSignal;
}

/** The local Worker's bootstrap token, from .dev.vars (git-ignored), if there is one. */
export function localAdminToken(): string | undefined {
  const vars = join(root, ".dev.vars");
  if (!existsSync(vars)) return undefined;
  return /^ADMIN_TOKEN=(.+)$/m.exec(readFileSync(vars, "utf8"))?.[1]?.trim();
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer().listen(0, "127.0.0.1", () => {
      const address = server.address();
      server.close(() => (typeof address === "object" && address ? resolve(address.port) : reject(new Error("no port"))));
    });
  });
}

export function applyMigrations(persistTo: string): void {
  execFileSync(wrangler, ["d1", "migrations", "apply", "DB", "--local", "--persist-to", persistTo], {
    cwd: root,
    env: { ...process.env, ...offline, CI: "1" }, // CI=1: apply without asking
    stdio: "pipe",
  });
}

async function waitForHealth(url: string, child: ChildProcess, log: string): Promise<void> {
  for (let i = 0; i < 480; i++) {
    if (child.exitCode !== null) throw new Error(`wrangler dev exited with code ${child.exitCode}: see ${log}`);
    if (
      await fetch(`${url}/api/health`).then(
        (res) => res.ok,
        () => false,
      )
    )
      return;
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  throw new Error(`wrangler dev did not answer ${url}/api/health within 120 s: see ${log}`);
}

/**
 * The admin token in a file only its owner can read, for wrangler's --env-file: on the command
 * line (--var) it would show in every user's `ps`.
 */
function secretsFile(persistTo: string, adminToken: string): string {
  const file = join(persistTo, "admin-token.env");
  mkdirSync(persistTo, { recursive: true });
  writeFileSync(file, `ADMIN_TOKEN=${adminToken}\n`, { mode: 0o600 });
  chmodSync(file, 0o600); // writeFileSync's mode applies only when it creates the file
  return file;
}

/** Applies the D1 migrations, starts `wrangler dev` and resolves once /api/health answers. */
export async function startLocalWorker(options: LocalWorkerOptions): Promise<LocalWorker> {
  applyMigrations(options.persistTo);
  const port = options.port || (await freePort());
  const fd = openSync(options.log, "a");
  const child = spawn(
    wrangler,
    [
      "dev",
      "--ip",
      "127.0.0.1",
      "--port",
      String(port),
      "--persist-to",
      options.persistTo,
      "--env-file",
      secretsFile(options.persistTo, options.adminToken),
      "--show-interactive-dev-session=false",
    ],
    { cwd: root, detached: true, stdio: ["ignore", fd, fd], env: { ...process.env, ...offline } },
  );
  const stop = () => {
    if (child.pid && child.exitCode === null) process.kill(-child.pid, "SIGTERM");
  };
  options.signal?.addEventListener("abort", stop);
  const url = `http://127.0.0.1:${port}`;
  try {
    await waitForHealth(url, child, options.log);
  } catch (e) {
    stop();
    throw e;
  }
  return { url, log: options.log, stop };
}
