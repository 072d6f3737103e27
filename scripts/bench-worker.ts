/**
 * Load-tests the Worker under `wrangler dev` on loopback (local D1 and R2), beside a plain Node
 * static file server holding the same bytes: req/s and p50/p99 for /api/models/current, MB/s for
 * a weight file. Usage: npm run bench:worker [-- --seconds 5 --connections 16 --mb 8]
 */
import { spawn, type ChildProcess } from "node:child_process";
import { mkdirSync, mkdtempSync, openSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { bytesOf, manifestFor } from "../test/worker/fixtures.ts";

const { values } = parseArgs({
  options: {
    seconds: { type: "string", default: "5" },
    connections: { type: "string", default: "16" },
    mb: { type: "string", default: "8" },
  },
});
const SECONDS = Number(values.seconds);
const CONNECTIONS = Number(values.connections);
const WEIGHT_BYTES = Math.round(Number(values.mb) * 1024 * 1024);
const ADMIN_TOKEN = `bench-${crypto.randomUUID()}`;

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

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const server = createServer().listen(0, "127.0.0.1", () => {
      const address = server.address();
      server.close(() => resolve(typeof address === "object" && address ? address.port : 0));
    });
  });
}

/** Starts a detached process group, so stopping it also stops wrangler's workerd children. */
function start(command: string, args: string[], log: string): ChildProcess {
  const fd = openSync(log, "w");
  return spawn(command, args, {
    detached: true,
    stdio: ["ignore", fd, fd],
    env: { ...process.env, WRANGLER_SEND_METRICS: "false", CLOUDFLARE_CF_FETCH_ENABLED: "false" },
  });
}

function stop(child: ChildProcess): void {
  if (child.pid && child.exitCode === null) process.kill(-child.pid, "SIGTERM");
}

async function waitFor(url: string, log: string): Promise<void> {
  for (let i = 0; i < 240; i++) {
    if (await fetch(url).then((res) => res.ok, () => false)) return;
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  throw new Error(`${url} did not come up within 60 s: see ${log}`);
}

async function admin(base: string, path: string, method: string, body?: BodyInit, json = false): Promise<void> {
  const headers: Record<string, string> = { Authorization: `Bearer ${ADMIN_TOKEN}` };
  if (json) headers["Content-Type"] = "application/json";
  const res = await fetch(base + path, { method, headers, body });
  if (!res.ok) throw new Error(`${method} ${path}: ${res.status} ${await res.text()}`);
}

interface Result {
  requests: number;
  bytes: number;
  seconds: number;
  latencies: number[];
}

/** `connections` clients fetching `url` back to back for SECONDS; whole bodies are read. */
async function load(url: string, connections: number): Promise<Result> {
  const latencies: number[] = [];
  let bytes = 0;
  const started = performance.now();
  const deadline = started + SECONDS * 1000;
  await Promise.all(
    Array.from({ length: connections }, async () => {
      while (performance.now() < deadline) {
        const t0 = performance.now();
        const res = await fetch(url);
        const body = await res.arrayBuffer();
        if (!res.ok) throw new Error(`${url}: ${res.status}`);
        latencies.push(performance.now() - t0);
        bytes += body.byteLength;
      }
    }),
  );
  return { requests: latencies.length, bytes, seconds: (performance.now() - started) / 1000, latencies };
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? Number.NaN;
}

function report(label: string, result: Result) {
  const sorted = [...result.latencies].sort((a, b) => a - b);
  const row = {
    target: label,
    "req/s": Math.round(result.requests / result.seconds),
    "p50 ms": Number(percentile(sorted, 50).toFixed(1)),
    "p99 ms": Number(percentile(sorted, 99).toFixed(1)),
    "MB/s": Number((result.bytes / result.seconds / 1e6).toFixed(1)),
  };
  console.log(JSON.stringify(row));
  return row;
}

async function main() {
  // wrangler.toml serves ./web/dist; the page may not be built yet.
  mkdirSync("web/dist", { recursive: true });
  const work = mkdtempSync(join(tmpdir(), "bench-worker-"));
  const [workerPort, staticPort] = [await freePort(), await freePort()];
  const worker = `http://127.0.0.1:${workerPort}`;
  const plain = `http://127.0.0.1:${staticPort}`;
  const children: ChildProcess[] = [];
  try {
    const wrangler = join("node_modules", ".bin", "wrangler");
    const migrate = start(wrangler, ["d1", "migrations", "apply", "DB", "--local", "--persist-to", work], join(work, "migrate.log"));
    await new Promise((resolve) => migrate.on("exit", resolve));
    const devLog = join(work, "wrangler-dev.log");
    children.push(
      start(wrangler, ["dev", "--ip", "127.0.0.1", "--port", String(workerPort), "--persist-to", work, "--var", `ADMIN_TOKEN:${ADMIN_TOKEN}`, "--show-interactive-dev-session=false"], devLog),
    );
    await waitFor(`${worker}/api/health`, devLog);

    // Publish and promote one version with a weight file of the requested size.
    const weights = bytesOf(WEIGHT_BYTES, 1);
    const manifest = await manifestFor("bench-v1", { "model.onnx": weights });
    const sha = manifest.files[0]?.sha256 ?? "";
    await admin(worker, "/api/admin/models", "POST", JSON.stringify(manifest), true);
    await admin(worker, "/api/admin/models/bench-v1/files/model.onnx", "PUT", weights);
    await admin(worker, "/api/admin/models/bench-v1/finalize", "POST");
    await admin(worker, "/api/admin/models/bench-v1/promote", "POST");

    // The same bytes for the static server: the current-model JSON and the weight file.
    const files = join(work, "static");
    mkdirSync(files);
    writeFileSync(join(files, "current.json"), Buffer.from(await (await fetch(`${worker}/api/models/current`)).arrayBuffer()));
    writeFileSync(join(files, "model.onnx"), weights);
    children.push(start(process.execPath, ["-e", STATIC_SERVER, files, String(staticPort)], join(work, "static.log")));
    await waitFor(`${plain}/current.json`, join(work, "static.log"));

    const weightConnections = Math.min(4, CONNECTIONS);
    console.log(`${SECONDS} s per target; ${CONNECTIONS} connections for JSON, ${weightConnections} for a ${WEIGHT_BYTES} B weight file`);
    const rows = [
      report("worker GET /api/models/current", await load(`${worker}/api/models/current`, CONNECTIONS)),
      report("static GET /current.json", await load(`${plain}/current.json`, CONNECTIONS)),
      report(`worker GET /api/weights/${sha.slice(0, 8)}...`, await load(`${worker}/api/weights/${sha}`, weightConnections)),
      report("static GET /model.onnx", await load(`${plain}/model.onnx`, weightConnections)),
    ];
    console.table(rows);
  } finally {
    children.forEach(stop);
    rmSync(work, { recursive: true, force: true });
  }
}

await main();
