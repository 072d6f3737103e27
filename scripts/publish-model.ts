/**
 * Publish new weights: npm run publish-model -- <export dir | checkpoint.pt> [--url URL] [--token T] [--no-promote]
 *
 * A checkpoint is exported first (python -m model.export). The ONNX files are checked against PyTorch
 * (parity.json) with onnxruntime-node, uploaded to the Worker, registered, finalized and promoted.
 * The Worker is the local one (npm start) unless --url / EDGE_DIFFUSION_URL says otherwise; the
 * token comes from EDGE_DIFFUSION_TOKEN (--token works too, but shows in `ps`), or for the local
 * Worker ADMIN_TOKEN in .dev.vars.
 */
import { execFileSync } from "node:child_process";
import { existsSync, statSync } from "node:fs";
import { basename, dirname, extname, join, resolve } from "node:path";
import { parseArgs } from "node:util";
import { ExportDirError } from "./lib/export-dir.ts";
import { localAdminToken, root } from "./lib/local-worker.ts";
import { publish } from "./lib/publish.ts";
import { PublishError } from "./lib/registry.ts";

const LOCAL_URL = "http://127.0.0.1:8787";

/**
 * Exports a checkpoint next to itself (runs/cpu/ema.pt -> runs/cpu/ema.export/), reusing an export
 * newer than the checkpoint, so that publishing the same checkpoint again changes nothing.
 */
function exportCheckpoint(source: string): string {
  const checkpoint = resolve(source);
  const out = join(dirname(checkpoint), `${basename(checkpoint, extname(checkpoint))}.export`);
  const manifest = join(out, "manifest.json");
  if (existsSync(manifest) && statSync(manifest).mtimeMs > statSync(checkpoint).mtimeMs) {
    console.log(`using the export of ${checkpoint} in ${out}`);
    return out;
  }
  console.log(`exporting ${checkpoint} to ${out}`);
  // python3 from PATH (a venv with model/requirements.txt), or the interpreter PYTHON names.
  const python = process.env.PYTHON ?? "python3";
  try {
    execFileSync(python, ["-m", "model.export", checkpoint, "--out", out], { cwd: root, stdio: "inherit" });
  } catch {
    throw new PublishError(`exporting ${checkpoint} with ${python} failed (see above); set PYTHON to an interpreter with torch and onnx`);
  }
  return out;
}

async function main(): Promise<void> {
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: { url: { type: "string" }, token: { type: "string" }, "no-promote": { type: "boolean", default: false } },
  });
  const [source] = positionals;
  if (!source || positionals.length > 1) {
    throw new PublishError("usage: npm run publish-model -- <export dir | checkpoint.pt> [--url URL] [--token TOKEN] [--no-promote]");
  }
  if (!existsSync(source)) throw new PublishError(`${source} does not exist`);
  const baseUrl = values.url ?? process.env.EDGE_DIFFUSION_URL ?? LOCAL_URL;
  const token = values.token ?? process.env.EDGE_DIFFUSION_TOKEN ?? (baseUrl === LOCAL_URL ? localAdminToken() : undefined);
  if (!token) throw new PublishError(`no token for ${baseUrl}: set EDGE_DIFFUSION_TOKEN (or pass --token)`);
  const dir = statSync(source).isDirectory() ? source : exportCheckpoint(source);
  const result = await publish(dir, { baseUrl, token, promote: !values["no-promote"], log: (line) => console.log(line) });
  const changed = result.registered || result.uploaded.length > 0 || result.promoted;
  console.log(changed ? `published ${result.id} to ${baseUrl}` : `nothing to do: ${result.id} is already published at ${baseUrl}`);
}

main().catch((e: unknown) => {
  if (e instanceof PublishError || e instanceof ExportDirError) {
    console.error(`publish failed: ${e.message}`);
    process.exit(1);
  }
  throw e;
});
