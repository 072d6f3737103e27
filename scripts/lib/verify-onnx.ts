// Proves that each ONNX file of an export computes what PyTorch computed: runs the golden inputs
// through onnxruntime-node and compares with the golden outputs, within the tolerance per variant.
import * as ort from "onnxruntime-node";
import { ExportDirError, type Golden, readGolden, readManifest, readVerifiedFile } from "./export-dir.ts";

export interface ParityResult {
  file: string;
  variant: string;
  maxAbsError: number;
  tolerance: number;
}

function toTensor(t: Golden["inputs"][string]): ort.Tensor {
  const data = t.dtype === "int32" ? Int32Array.from(t.data) : Float32Array.from(t.data);
  return new ort.Tensor(t.dtype, data, t.shape);
}

async function openSession(bytes: Uint8Array, name: string): Promise<ort.InferenceSession> {
  try {
    return await ort.InferenceSession.create(bytes);
  } catch (e) {
    throw new ExportDirError(`${name} is not a valid ONNX model onnxruntime can load: ${(e as Error).message}`);
  }
}

/** Checks every file of the export in `dir`; throws ExportDirError on the first that fails. */
export async function verifyExport(dir: string): Promise<ParityResult[]> {
  const manifest = await readManifest(dir);
  const golden = await readGolden(dir);
  const feeds = Object.fromEntries(Object.entries(golden.inputs).map(([name, t]) => [name, toTensor(t)]));
  const [outputName, expected] = Object.entries(golden.outputs)[0] ?? [];
  if (!outputName || !expected) throw new ExportDirError(`${dir}/golden.json has no outputs`);
  const results: ParityResult[] = [];
  for (const file of manifest.files) {
    const session = await openSession(await readVerifiedFile(dir, file), file.name);
    let actual: ort.Tensor;
    try {
      actual = (await session.run(feeds))[outputName] as ort.Tensor;
    } catch (e) {
      throw new ExportDirError(`${file.name} fails on the golden inputs: ${(e as Error).message}`);
    } finally {
      await session.release();
    }
    const values = actual.data as Float32Array;
    let maxAbsError = values.length === expected.data.length ? 0 : Infinity;
    for (let i = 0; i < values.length && maxAbsError !== Infinity; i++) {
      const error = Math.abs((values[i] ?? NaN) - (expected.data[i] ?? NaN));
      maxAbsError = Number.isNaN(error) ? Infinity : Math.max(maxAbsError, error);
    }
    const tolerance = golden.tolerance[file.variant] ?? 0;
    if (!(maxAbsError <= tolerance)) {
      throw new ExportDirError(
        `${file.name} (${file.variant}) differs from PyTorch on the golden inputs by ${maxAbsError} (tolerance ${tolerance})`,
      );
    }
    results.push({ file: file.name, variant: file.variant, maxAbsError, tolerance });
  }
  return results;
}
