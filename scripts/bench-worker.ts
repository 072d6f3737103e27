/**
 * Load-tests the Worker under `wrangler dev` on loopback (local D1 and R2), beside a plain Node
 * static file server holding the same bytes: req/s and p50/p99 for /api/models/current, MB/s for
 * a weight file. Usage: npm run bench:worker [-- --seconds 5 --connections 16 --mb 8]
 */
import { spawn, type ChildProcess } from "node:child_process";
import { mkdirSync, mkdtempSync, openSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { bytesOf, manifestFor } from "../test/worker/fixtures.ts";
import { freePort, startLocalWorker } from "./lib/local-worker.ts";
import { RegistryClient } from "./lib/registry.ts";

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

/** The static server in its own process group, as a deployment would have it. */
function startStatic(dir: string, port: number, log: string): ChildProcess {
  const fd = openSync(log, "w");
  return spawn(process.execPath, ["-e", STATIC_SERVER, dir, String(port)], { detached: true, stdio: ["ignore", fd, fd] });
}

async function waitFor(url: string): Promise<void> {
  for (let i = 0; i < 240; i++) {
    if (await fetch(url).then((res) => res.ok, () => false)) return;
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  throw new Error(`${url} did not come up within 60 s`);
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
  const worker = await startLocalWorker({ persistTo: work, adminToken: ADMIN_TOKEN, log: join(work, "wrangler-dev.log") });
  const plain = `http://127.0.0.1:${await freePort()}`;
  let staticServer: ChildProcess | undefined;
  try {
    // Publish and promote one version with a weight file of the requested size.
    const weights = bytesOf(WEIGHT_BYTES, 1);
    const manifest = await manifestFor("bench-v1", { "model.onnx": weights });
    const file = manifest.files[0]!;
    const registry = new RegistryClient(worker.url, ADMIN_TOKEN);
    await registry.createVersion(manifest);
    await registry.uploadFile(manifest.id, file, weights);
    await registry.finalize(manifest.id);
    await registry.promote(manifest.id);

    // The same bytes for the static server: the current-model JSON and the weight file.
    const files = join(work, "static");
    mkdirSync(files);
    writeFileSync(join(files, "current.json"), Buffer.from(await (await fetch(`${worker.url}/api/models/current`)).arrayBuffer()));
    writeFileSync(join(files, "model.onnx"), weights);
    staticServer = startStatic(files, Number(new URL(plain).port), join(work, "static.log"));
    await waitFor(`${plain}/current.json`);

    const weightConnections = Math.min(4, CONNECTIONS);
    console.log(`${SECONDS} s per target; ${CONNECTIONS} connections for JSON, ${weightConnections} for a ${WEIGHT_BYTES} B weight file`);
    const rows = [
      report("worker GET /api/models/current", await load(`${worker.url}/api/models/current`, CONNECTIONS)),
      report("static GET /current.json", await load(`${plain}/current.json`, CONNECTIONS)),
      report(`worker GET /api/weights/${file.sha256.slice(0, 8)}...`, await load(`${worker.url}/api/weights/${file.sha256}`, weightConnections)),
      report("static GET /model.onnx", await load(`${plain}/model.onnx`, weightConnections)),
    ];
    console.table(rows);
  } finally {
    worker.stop();
    if (staticServer?.pid) process.kill(-staticServer.pid, "SIGTERM");
    rmSync(work, { recursive: true, force: true });
  }
}

await main();
