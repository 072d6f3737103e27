/**
 * Load-tests the Worker two ways, one after the other, each with its own table:
 *   1. the Worker itself in workerd, through miniflare's dispatchFetch: req/s, mean/p50/p99, D1
 *      queries and CPU time (workerd's, the client's) per request, for a constant answer and the public reads;
 *   2. the deployed-like HTTP path: `wrangler dev` on loopback (its local proxy included) beside a
 *      plain Node static file server holding the same bytes: the current-model JSON and a weight file.
 * Usage: npm run bench:worker [-- --seconds 3 --connections 16 --mb 8]
 */
import { type ChildProcess, spawn } from "node:child_process";
import { mkdirSync, mkdtempSync, openSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { bytesOf, manifestFor } from "./lib/fixtures.ts";
import { type Answer, load, type Measurement, summarize } from "./lib/load-test.ts";
import { freePort, startLocalWorker } from "./lib/local-worker.ts";
import { RegistryClient } from "./lib/registry.ts";
import { startWorkerdWorker, type WorkerdWorker } from "./lib/workerd-bench.ts";

const { values } = parseArgs({
  options: {
    seconds: { type: "string", default: "3" },
    connections: { type: "string", default: "16" },
    mb: { type: "string", default: "8" },
  },
});
const SECONDS = Number(values.seconds);
const CONNECTIONS = Number(values.connections);
const WEIGHT_BYTES = Math.round(Number(values.mb) * 1024 * 1024);
const WEIGHT_CONNECTIONS = Math.min(4, CONNECTIONS);
const ADMIN_TOKEN = `bench-${crypto.randomUUID()}`;
const VERSION_ID = "bench-v1";
/** Any hostname reaches the Worker under miniflare; the current model's cache entry is per hostname. */
const ORIGIN = "http://bench.test";

interface Seed {
  manifest: Awaited<ReturnType<typeof manifestFor>>;
  weights: Uint8Array;
}

/** One published, promoted version through the admin API (the client `npm run publish-model` uses). */
async function publishVersion(registry: RegistryClient, { manifest, weights }: Seed): Promise<void> {
  await registry.createVersion(manifest);
  await registry.uploadFile(manifest.id, manifest.files[0]!, weights);
  await registry.finalize(manifest.id);
  await registry.promote(manifest.id);
}

// ---- 1. The Worker itself, in workerd ----

interface WorkerdTarget {
  label: string;
  send: () => Promise<Answer>;
}

function workerdTargets(worker: WorkerdWorker): WorkerdTarget[] {
  const get = (url: string) => () => worker.fetch(url);
  return [
    { label: "no Worker code (dispatchFetch floor)", send: get(`${ORIGIN}/__bench/noop`) },
    { label: "GET /api/health", send: get(`${ORIGIN}/api/health`) },
    { label: "GET /api/models/current, cached", send: get(`${ORIGIN}/api/models/current`) },
    // A new hostname each time is a new cache key (worker/http/current-cache.ts): every request misses.
    { label: "GET /api/models/current, uncached", send: () => worker.fetch(`http://${crypto.randomUUID()}.bench.test/api/models/current`) },
    { label: `GET /api/models/${VERSION_ID}`, send: get(`${ORIGIN}/api/models/${VERSION_ID}`) },
  ];
}

/**
 * One target under load, with what it cost: D1 statements counted by the Worker's wrapped binding,
 * workerd's CPU time from /proc and this process's (the client's) CPU time, each as a difference
 * over the run divided by the requests.
 */
async function measureInWorkerd(worker: WorkerdWorker, target: WorkerdTarget) {
  // Untimed first request: compiles the route's code and fills the cache for the cached target.
  await (await target.send()).arrayBuffer();
  const statements = await worker.d1Statements();
  const workerdCpu = worker.cpuSeconds();
  const clientCpu = process.cpuUsage();
  const m = await load(target.label, target.send, CONNECTIONS, SECONDS);
  const client = process.cpuUsage(clientCpu);
  const perRequest = (total: number) => Number((total / m.requests).toFixed(3));
  return {
    target: target.label,
    ...summarize(m),
    "D1 queries/req": perRequest((await worker.d1Statements()) - statements),
    "workerd CPU ms/req": perRequest((worker.cpuSeconds() - workerdCpu) * 1000),
    "client CPU ms/req": perRequest((client.user + client.system) / 1000),
  };
}

async function benchWorkerd(work: string, seed: Seed): Promise<void> {
  const worker = await startWorkerdWorker({ persistTo: join(work, "workerd"), adminToken: ADMIN_TOKEN });
  try {
    await publishVersion(new RegistryClient(ORIGIN, ADMIN_TOKEN, worker.fetch), seed);
    const rows = [];
    for (const target of workerdTargets(worker)) rows.push(await measureInWorkerd(worker, target));
    console.log(
      `\n1. The Worker itself: workerd through miniflare's dispatchFetch, no wrangler dev proxy (${SECONDS} s per target, ${CONNECTIONS} concurrent requests)`,
    );
    console.table(rows);
    console.log(
      "   D1 queries: statements the Worker prepared, counted by a proxy around its D1 binding (scripts/lib/workerd-bench-entry.js).\n" +
        "   workerd CPU: all of workerd (miniflare's router, its HTTP server, D1's SQLite, the cache), not the Worker's\n" +
        "   isolate alone; the first row is that floor. Client CPU: this Node process sending the requests (dispatchFetch).\n" +
        "   Uncached: each miss also puts the answer into miniflare's Cache API, which writes it to disk, and reads the pointer's\n" +
        "   generation again (worker/http/current-cache.ts: the second D1 query); the gap to the /api/models/{id} row (one D1 query)\n" +
        "   is the cache's miss and put and that read. On Cloudflare a miss is once per data center per 15 s.",
    );
  } finally {
    await worker.stop();
  }
}

// ---- 2. The HTTP path: wrangler dev vs a static file server ----

/** A server in its own process, as a deployment would have it; files are read from disk per request. */
const STATIC_SERVER = `
const http = require("node:http"), fs = require("node:fs"), path = require("node:path");
const [dir, port] = process.argv.slice(1);
http.createServer((req, res) => {
  const file = path.join(dir, path.basename(req.url));
  fs.stat(file, (err, stat) => {
    if (err) { res.writeHead(404).end(); return; }
    res.writeHead(200, { "Content-Length": stat.size, "Content-Type": "application/octet-stream" });
    fs.createReadStream(file).pipe(res);
  });
}).listen(Number(port), "127.0.0.1");
`;

/** The static server in its own process group, as a deployment would have it. */
function startStatic(dir: string, port: number, log: string): ChildProcess {
  const fd = openSync(log, "w");
  return spawn(process.execPath, ["-e", STATIC_SERVER, dir, String(port)], { detached: true, stdio: ["ignore", fd, fd] });
}

async function waitFor(url: string): Promise<void> {
  for (let i = 0; i < 240; i++) {
    if (
      await fetch(url).then(
        (res) => res.ok,
        () => false,
      )
    )
      return;
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  throw new Error(`${url} did not come up within 60 s`);
}

async function measureOverHttp(label: string, url: string, connections: number) {
  const m: Measurement = await load(label, () => fetch(url), connections, SECONDS);
  return { target: label, ...summarize(m), "MB/s": Number((m.bytes / m.seconds / 1e6).toFixed(1)) };
}

/** The static server's copies of what the Worker serves: the current-model JSON and the weight file. */
async function staticCopies(dir: string, workerUrl: string, seed: Seed): Promise<void> {
  mkdirSync(dir);
  const current = await (await fetch(`${workerUrl}/api/models/current`)).arrayBuffer();
  writeFileSync(join(dir, "current.json"), Buffer.from(current));
  writeFileSync(join(dir, "model.onnx"), seed.weights);
}

async function benchHttp(work: string, seed: Seed): Promise<void> {
  const persistTo = join(work, "wrangler-dev");
  mkdirSync(persistTo);
  const worker = await startLocalWorker({ persistTo, adminToken: ADMIN_TOKEN, log: join(work, "wrangler-dev.log") });
  const plain = `http://127.0.0.1:${await freePort()}`;
  let staticServer: ChildProcess | undefined;
  try {
    await publishVersion(new RegistryClient(worker.url, ADMIN_TOKEN), seed);
    await staticCopies(join(work, "static"), worker.url, seed);
    staticServer = startStatic(join(work, "static"), Number(new URL(plain).port), join(work, "static.log"));
    await waitFor(`${plain}/current.json`);
    const sha = seed.manifest.files[0]!.sha256;
    const rows = [
      await measureOverHttp("wrangler dev GET /api/models/current", `${worker.url}/api/models/current`, CONNECTIONS),
      await measureOverHttp("static GET /current.json", `${plain}/current.json`, CONNECTIONS),
      await measureOverHttp(`wrangler dev GET /api/weights/${sha.slice(0, 8)}...`, `${worker.url}/api/weights/${sha}`, WEIGHT_CONNECTIONS),
      await measureOverHttp("static GET /model.onnx", `${plain}/model.onnx`, WEIGHT_CONNECTIONS),
    ];
    console.log(
      `\n2. The HTTP path on loopback: wrangler dev (its local proxy included) vs a Node static file server (${SECONDS} s per target; ` +
        `${CONNECTIONS} connections for JSON, ${WEIGHT_CONNECTIONS} for a ${WEIGHT_BYTES} B weight file)`,
    );
    console.table(rows);
  } finally {
    worker.stop();
    if (staticServer?.pid) process.kill(-staticServer.pid, "SIGTERM");
  }
}

async function main(): Promise<void> {
  // wrangler.toml serves ./web/dist, and bundling reads it; the page may not be built yet.
  mkdirSync("web/dist", { recursive: true });
  const work = mkdtempSync(join(tmpdir(), "bench-worker-"));
  const weights = bytesOf(WEIGHT_BYTES, 1);
  const seed = { manifest: await manifestFor(VERSION_ID, { "model.onnx": weights }), weights };
  try {
    // One after the other, so neither competes with the other's processes for the CPUs.
    await benchWorkerd(work, seed);
    await benchHttp(work, seed);
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

await main();
