// The Worker alone in workerd, driven through miniflare's dispatchFetch: no `wrangler dev` proxy in
// front of it. Bindings come from wrangler.toml (via wrangler's own conversion), D1 and R2 are
// miniflare's local ones, and caches.default keeps entries as a data center's cache does.
import { execFileSync } from "node:child_process";
import { readdirSync, readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import type { V4WorkerOptionsShape } from "miniflare";
import { unstable_getMiniflareWorkerOptions } from "wrangler";
import { applyMigrations, root, wrangler } from "./local-worker.ts";
import type { Fetch } from "./registry.ts";

const ENTRY = join(import.meta.dirname, "workerd-bench-entry.js");
// The miniflare (and so workerd) that wrangler itself runs, not the older copy hoisted for
// @cloudflare/vitest-plugin: both halves of bench:worker then run the same runtime.
const { Miniflare, convertV4MiniflareOptions } = createRequire(import.meta.resolve("wrangler"))("miniflare") as typeof import("miniflare");

export interface WorkerdWorker {
  /** The Worker's fetch, as seen from Node; the URL's hostname reaches the Worker. */
  fetch: Fetch;
  /** D1 statements the Worker has prepared since it started (see workerd-bench-entry.js). */
  d1Statements(): Promise<number>;
  /** CPU seconds (user + system) workerd has used since it started. */
  cpuSeconds(): number;
  stop(): Promise<void>;
}

/** worker/index.ts wrapped in the counting entry, bundled offline as `wrangler deploy` would; returns the script's path. */
function bundle(outdir: string): string {
  execFileSync(wrangler, ["deploy", ENTRY, "--dry-run", "--outdir", outdir], {
    cwd: root,
    env: { ...process.env, WRANGLER_SEND_METRICS: "false", CLOUDFLARE_CF_FETCH_ENABLED: "false" },
    stdio: "pipe",
  });
  return join(outdir, "workerd-bench-entry.js");
}

/** What `wrangler dev` would give miniflare from wrangler.toml: compatibility, D1, R2 and [vars]. */
function configuredWorker(adminToken: string): V4WorkerOptionsShape {
  // Typed back to miniflare's shape: wrangler's Omit<> over an index signature loses the named fields.
  const w = unstable_getMiniflareWorkerOptions(join(root, "wrangler.toml")).workerOptions as V4WorkerOptionsShape;
  // No ASSETS: the benchmark asks /api only, and the assets router would add a hop of its own.
  return {
    compatibilityDate: w.compatibilityDate,
    compatibilityFlags: w.compatibilityFlags,
    d1Databases: w.d1Databases,
    r2Buckets: w.r2Buckets,
    bindings: { ...w.bindings, ADMIN_TOKEN: adminToken },
  };
}

/** The workerd process miniflare spawned: our child, found in /proc (Linux only). */
function workerdPid(): number {
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    const stat = readStat(Number(entry));
    if (stat?.comm === "workerd" && stat.ppid === process.pid) return Number(entry);
  }
  throw new Error("no workerd child process found in /proc");
}

function readStat(pid: number): { comm: string; ppid: number; ticks: number } | undefined {
  let text: string;
  try {
    text = readFileSync(`/proc/${pid}/stat`, "utf8");
  } catch {
    return undefined; // gone meanwhile
  }
  // "pid (comm) state ppid ...": comm may hold spaces, so split after its closing parenthesis.
  const close = text.lastIndexOf(")");
  const fields = text.slice(close + 2).split(" ");
  // Fields 14 and 15 of proc(5), utime and stime, counted from "state" (field 3).
  const ticks = Number(fields[11]) + Number(fields[12]);
  return { comm: text.slice(text.indexOf("(") + 1, close), ppid: Number(fields[1]), ticks };
}

const CLOCK_TICKS = Number(execFileSync("getconf", ["CLK_TCK"], { encoding: "utf8" }).trim());

/**
 * Applies the D1 migrations to `persistTo` (the same wrangler command as `npm start`), bundles the
 * Worker and starts it in workerd on that state; resolves once it answers.
 */
export async function startWorkerdWorker(options: { persistTo: string; adminToken: string }): Promise<WorkerdWorker> {
  applyMigrations(options.persistTo);
  const script = bundle(join(options.persistTo, "bundle"));
  // Miniflare 5 takes v4-style options through the same conversion wrangler uses.
  const mf = new Miniflare(
    convertV4MiniflareOptions({
      ...configuredWorker(options.adminToken),
      modules: true,
      scriptPath: script,
      // Module names are paths relative to this; the bundle sits outside the working directory.
      modulesRoot: dirname(script),
      // Where `wrangler d1 migrations apply --persist-to` put the database.
      resourcePersistencePath: join(options.persistTo, "v3"),
      // The Worker logs a JSON line per request; printing thousands would measure the terminal.
      handleStructuredLogs: () => {},
    }),
  );
  let pid: number;
  try {
    await mf.ready;
    pid = workerdPid();
  } catch (e) {
    await mf.dispose(); // else workerd would keep this process alive
    throw e;
  }
  // dispatchFetch speaks undici's Request/Response, which match the global ones at run time.
  const fetch = ((input: RequestInfo | URL, init?: RequestInit) =>
    mf.dispatchFetch(String(input), init as Parameters<typeof mf.dispatchFetch>[1])) as unknown as Fetch;
  return {
    fetch,
    async d1Statements() {
      const res = await fetch("http://bench.test/__bench/d1-statements");
      return ((await res.json()) as { statements: number }).statements;
    },
    cpuSeconds() {
      const stat = readStat(pid);
      if (!stat) throw new Error("workerd has exited");
      return stat.ticks / CLOCK_TICKS;
    },
    stop: () => mf.dispose(),
  };
}
