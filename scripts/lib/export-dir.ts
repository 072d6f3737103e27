// An export directory as model/export.py writes it: manifest.json, parity.json and the ONNX files.
import { createHash } from "node:crypto";
import { access, readFile } from "node:fs/promises";
import { join } from "node:path";
import { z } from "@hono/zod-openapi";
import { Manifest, type ManifestFile } from "../../worker/contract/manifest.ts";

/** The file of inputs and PyTorch's outputs that each ONNX file must reproduce (model/onnx_export/parity.py). */
export const PARITY_FILE = "parity.json";
/** PARITY_FILE's name in exports written before it was renamed. */
const FORMER_PARITY_FILE = "golden.json";

export interface ParityTensor {
  dtype: "float32" | "int32";
  shape: number[];
  data: number[];
}

/** PARITY_FILE's content. */
export interface ParityFile {
  inputs: Record<string, ParityTensor>;
  outputs: Record<string, ParityTensor>;
  tolerance: Record<string, number>;
  /** The int8 file is held to the fp32 file, not to PyTorch: one batch at one timestep per check. */
  int8?: {
    /** Per band of noise levels: the largest error allowed in the denoised image, in levels of 255. */
    tolerance: Record<string, number>;
    checks: { band: string; inputs: Record<string, ParityTensor> }[];
  };
}

/** A problem with an export directory, phrased for the person who has to fix it. */
export class ExportDirError extends Error {}

async function readJson<T>(dir: string, name: string): Promise<T> {
  let text: string;
  try {
    text = await readFile(join(dir, name), "utf8");
  } catch {
    throw new ExportDirError(`${join(dir, name)} is missing: is ${dir} a directory written by \`python -m model.export\`?`);
  }
  try {
    return JSON.parse(text) as T;
  } catch (e) {
    throw new ExportDirError(`${join(dir, name)} is not valid JSON: ${(e as Error).message}`);
  }
}

/** The export's manifest, checked here against the Worker's own schema so a bad one fails before any upload. */
export async function readManifest(dir: string): Promise<Manifest> {
  const parsed = Manifest.safeParse(await readJson<unknown>(dir, "manifest.json"));
  if (!parsed.success) {
    throw new ExportDirError(`${join(dir, "manifest.json")} is not a valid edge-diffusion manifest:\n${z.prettifyError(parsed.error)}`);
  }
  return parsed.data;
}

function exists(path: string): Promise<boolean> {
  return access(path).then(
    () => true,
    () => false,
  );
}

export async function readParity(dir: string): Promise<ParityFile> {
  if (!(await exists(join(dir, PARITY_FILE))) && (await exists(join(dir, FORMER_PARITY_FILE)))) {
    throw new ExportDirError(
      `${join(dir, PARITY_FILE)} is missing, and ${dir} has ${FORMER_PARITY_FILE}, its name in older exports: ` +
        `re-run the export (\`python -m model.export\`) to write ${PARITY_FILE}`,
    );
  }
  return readJson<ParityFile>(dir, PARITY_FILE);
}

export function sha256Hex(bytes: Uint8Array): string {
  return createHash("sha256").update(bytes).digest("hex");
}

/** The bytes of one manifest file, checked against the size and sha256 the manifest promises. */
export async function readVerifiedFile(dir: string, file: ManifestFile): Promise<Uint8Array> {
  let bytes: Uint8Array;
  try {
    bytes = await readFile(join(dir, file.name));
  } catch {
    throw new ExportDirError(`${file.name} is listed in the manifest but missing from ${dir}`);
  }
  if (bytes.byteLength !== file.bytes || sha256Hex(bytes) !== file.sha256) {
    throw new ExportDirError(
      `${join(dir, file.name)} does not match its manifest entry (${bytes.byteLength} bytes, sha256 ${sha256Hex(bytes)}; ` +
        `expected ${file.bytes} bytes, sha256 ${file.sha256}): re-run the export`,
    );
  }
  return bytes;
}
