// Proves that each ONNX file of an export computes what it should, with onnxruntime-node. fp32 and
// fp16 reproduce PyTorch's outputs in parity.json within their tolerance. int8 is held to the fp32 file
// (verified first) on inputs the UNet meets in use, by its error in the denoised image: its error
// against PyTorch on random inputs would say nothing about the images it makes.
import * as ort from "onnxruntime-node";
import type { Manifest, ManifestFile } from "../../worker/contract/manifest.ts";
import {
  ExportDirError,
  PARITY_FILE,
  type ParityFile,
  type ParityTensor,
  readManifest,
  readParity,
  readVerifiedFile,
} from "./export-dir.ts";

export interface ParityResult {
  file: string;
  variant: ManifestFile["variant"];
  /**
   * fp32, fp16: the largest absolute difference from PyTorch's outputs. int8: the error in the
   * denoised image against the fp32 file, in levels of 255, in `band`.
   */
  error: number;
  tolerance: number;
  /** int8: the band of noise levels whose error is nearest its tolerance. */
  band?: string;
}

/** One line for the publish log. */
export function describeParity(result: ParityResult): string {
  const { file, variant, error, tolerance, band } = result;
  return band === undefined
    ? `${file} (${variant}) against PyTorch: max abs error ${error.toExponential(2)} ≤ ${tolerance}`
    : `${file} (${variant}) against fp32: ${error.toFixed(2)} levels of 255 in the denoised image ≤ ${tolerance} (${band}, the band nearest its tolerance)`;
}

type Feeds = Record<string, ort.Tensor>;

function toFeeds(inputs: Record<string, ParityTensor>): Feeds {
  return Object.fromEntries(
    Object.entries(inputs).map(([name, t]) => {
      const data = t.dtype === "int32" ? Int32Array.from(t.data) : Float32Array.from(t.data);
      return [name, new ort.Tensor(t.dtype, data, t.shape)];
    }),
  );
}

async function openSession(bytes: Uint8Array, name: string): Promise<ort.InferenceSession> {
  try {
    return await ort.InferenceSession.create(bytes);
  } catch (e) {
    throw new ExportDirError(`${name} is not a valid ONNX model onnxruntime can load: ${(e as Error).message}`);
  }
}

/** The output `outputName` of `file` for each of `feeds`, which `what` names in an error. */
async function outputsOf(dir: string, file: ManifestFile, feeds: Feeds[], outputName: string, what: string): Promise<Float32Array[]> {
  const session = await openSession(await readVerifiedFile(dir, file), file.name);
  try {
    const outputs: Float32Array[] = [];
    for (const f of feeds) outputs.push(((await session.run(f))[outputName] as ort.Tensor).data as Float32Array);
    return outputs;
  } catch (e) {
    throw new ExportDirError(`${file.name} fails on ${what}: ${(e as Error).message}`);
  } finally {
    await session.release();
  }
}

/** Checks every file of the export in `dir`; throws ExportDirError on the first that fails. */
export async function verifyExport(dir: string): Promise<ParityResult[]> {
  const manifest = await readManifest(dir);
  const parity = await readParity(dir);
  const results: ParityResult[] = [];
  // int8 last: it is held to the fp32 file, which must have passed first.
  for (const file of manifest.files.filter((f) => f.variant !== "int8")) results.push(await pytorchParity(dir, file, parity));
  for (const file of manifest.files.filter((f) => f.variant === "int8")) results.push(await int8Parity(dir, manifest, file, parity));
  return results;
}

/** An fp32 or fp16 file against PyTorch's outputs. */
async function pytorchParity(dir: string, file: ManifestFile, parity: ParityFile): Promise<ParityResult> {
  const [outputName, expected] = Object.entries(parity.outputs)[0] ?? [];
  if (!outputName || !expected) throw new ExportDirError(`${dir}/${PARITY_FILE} has no outputs`);
  const [values = new Float32Array()] = await outputsOf(dir, file, [toFeeds(parity.inputs)], outputName, "the parity inputs");
  let error = values.length === expected.data.length ? 0 : Infinity;
  for (let i = 0; i < values.length && error !== Infinity; i++) {
    const difference = Math.abs((values[i] ?? NaN) - (expected.data[i] ?? NaN));
    error = Number.isNaN(difference) ? Infinity : Math.max(error, difference);
  }
  const tolerance = parity.tolerance[file.variant] ?? 0;
  if (!(error <= tolerance)) {
    throw new ExportDirError(
      `${file.name} (${file.variant}) differs from PyTorch on the parity inputs by ${error} (tolerance ${tolerance})`,
    );
  }
  return { file: file.name, variant: file.variant, error, tolerance };
}

type Int8Check = NonNullable<ParityFile["int8"]>["checks"][number];

/** alphas_cumprod at a check's timestep (every item of a check shares it). */
function alphaOf(manifest: Manifest, check: Int8Check, index: number): number {
  const t = check.inputs[manifest.onnx.inputs[1]?.name ?? ""]?.data[0];
  const alpha = t === undefined ? undefined : manifest.diffusion.alphas_cumprod[Math.round(t)];
  if (alpha === undefined)
    throw new ExportDirError(`${PARITY_FILE}'s int8 check ${index} (${check.band}) has no timestep within the schedule`);
  return alpha;
}

/**
 * The RMS difference of two outputs as the export's int8 plan counts it (model/onnx_export/int8.py):
 * sqrt(1 - a) RMS, in levels of 255 (the image spans [-1, 1]): for a v model the error in the denoised
 * image sqrt(a) x - sqrt(1 - a) v; for an eps model, in the noise a step removes.
 */
function denoisedError(reference: Float32Array, output: Float32Array, alpha: number): number {
  if (output.length !== reference.length) return Infinity;
  let sum = 0;
  for (let i = 0; i < reference.length; i++) sum += ((output[i] ?? NaN) - (reference[i] ?? NaN)) ** 2;
  return Math.sqrt(1 - alpha) * Math.sqrt(sum / reference.length) * 127.5;
}

/** The int8 file against the fp32 file, band by band. */
async function int8Parity(dir: string, manifest: Manifest, file: ManifestFile, parity: ParityFile): Promise<ParityResult> {
  const { int8 } = parity;
  if (!int8?.checks.length) {
    throw new ExportDirError(
      `the manifest lists ${file.name} (int8), but ${dir}/${PARITY_FILE} has no int8 checks to hold it to: re-run the export`,
    );
  }
  const fp32 = manifest.files.find((f) => f.variant === "fp32");
  if (!fp32) throw new ExportDirError(`${file.name} (int8) is held to the fp32 file, and the manifest lists none`);
  const feeds = int8.checks.map((check) => toFeeds(check.inputs));
  const outputName = manifest.onnx.outputs[0]?.name ?? "";
  const reference = await outputsOf(dir, fp32, feeds, outputName, "the int8 checks");
  const quantized = await outputsOf(dir, file, feeds, outputName, "the int8 checks");
  const worst = new Map<string, number>();
  int8.checks.forEach((check, k) => {
    if (int8.tolerance[check.band] === undefined) throw new ExportDirError(`${PARITY_FILE}'s int8 band "${check.band}" has no tolerance`);
    const error = denoisedError(reference[k] ?? new Float32Array(), quantized[k] ?? new Float32Array(), alphaOf(manifest, check, k));
    worst.set(check.band, Math.max(worst.get(check.band) ?? 0, error));
  });
  const bands = [...worst].map(([band, error]) => ({ band, error, tolerance: int8.tolerance[band] ?? 0 }));
  if (bands.some(({ error, tolerance }) => !(error <= tolerance))) {
    const figures = bands.map(({ band, error, tolerance }) => `${band}: ${error.toFixed(2)} levels (tolerance ${tolerance})`);
    throw new ExportDirError(
      `${file.name} (int8) exceeds its tolerance against ${fp32.name} (error in the denoised image, levels of 255): ${figures.join("; ")}`,
    );
  }
  const nearest = bands.reduce((a, b) => (b.error / b.tolerance > a.error / a.tolerance ? b : a));
  return { file: file.name, variant: file.variant, ...nearest };
}
