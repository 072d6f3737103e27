// The int8 file is held to the fp32 file by its error in the denoised image, band by band of noise
// levels; an export whose int8 file strays, or that lists one without checks for it, is refused.
// The fixture's fp16 file stands in for a good int8 file (reduced precision: a small error, not
// zero), and a perturbed fp32 file for a bad one; an export's own int8 file is checked by export.test.ts.
import { execFileSync } from "node:child_process";
import { cpSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, test } from "vitest";
import { type ParityFile, type ParityTensor, sha256Hex } from "../../scripts/lib/export-dir.ts";
import { describeParity, verifyExport } from "../../scripts/lib/verify-onnx.ts";

const root = join(import.meta.dirname, "../..");
const fixture = join(root, "test/fixtures/tiny");
// The fixture's parity inputs are three items at t = 99, 50 and 0: one check each, in the export's bands.
const BANDS = ["sigma > 10", "1 < sigma <= 10", "sigma <= 0.1"];
const TOLERANCE = Object.fromEntries(BANDS.map((band) => [band, 1]));

/** Item `k` of a batched parity tensor, as a batch of one. */
function item(t: ParityTensor, k: number): ParityTensor {
  const [batch = 1, ...rest] = t.shape;
  const size = t.data.length / batch;
  return { ...t, shape: [1, ...rest], data: t.data.slice(k * size, (k + 1) * size) };
}

/** A copy of the fixture export with `int8` as its model.int8.onnx, listed in the manifest, and checks for it unless `checks` is false. */
function exportWithInt8(int8: Uint8Array, { checks = true } = {}): string {
  const dir = mkdtempSync(join(tmpdir(), "export-int8-"));
  cpSync(fixture, dir, { recursive: true });
  writeFileSync(join(dir, "model.int8.onnx"), int8);
  const manifest = JSON.parse(readFileSync(join(dir, "manifest.json"), "utf8"));
  const entry = { name: "model.int8.onnx", variant: "int8", bytes: int8.byteLength, sha256: sha256Hex(int8) };
  manifest.files = [...manifest.files.filter((file: { variant: string }) => file.variant !== "int8"), entry];
  writeFileSync(join(dir, "manifest.json"), JSON.stringify(manifest));
  const parity = JSON.parse(readFileSync(join(dir, "parity.json"), "utf8")) as ParityFile;
  parity.int8 = checks
    ? {
        tolerance: TOLERANCE,
        checks: BANDS.map((band, k) => ({
          band,
          inputs: Object.fromEntries(Object.entries(parity.inputs).map(([name, t]) => [name, item(t, k)])),
        })),
      }
    : undefined;
  writeFileSync(join(dir, "parity.json"), JSON.stringify(parity));
  return dir;
}

/** The fixture's fp32 model with its first convolution's weights scaled by 1.5: a model that computes something else. */
function perturbedModel(): Uint8Array {
  const script = `
import sys, onnx
from onnx import numpy_helper
model = onnx.load(sys.argv[1])
weights = {t.name: t for t in model.graph.initializer}
conv = next(node for node in model.graph.node if node.op_type == "Conv")
tensor = weights[conv.input[1]]
tensor.CopyFrom(numpy_helper.from_array(numpy_helper.to_array(tensor) * 1.5, tensor.name))
sys.stdout.buffer.write(model.SerializeToString())
`;
  return execFileSync(process.env.PYTHON ?? "/usr/bin/python3", ["-c", script, join(fixture, "model.onnx")], { maxBuffer: 64 << 20 });
}

describe("int8 parity", () => {
  test("an int8 file near the fp32 file passes, reporting the band nearest its tolerance", async () => {
    const results = await verifyExport(exportWithInt8(readFileSync(join(fixture, "model.fp16.onnx"))));
    expect(results.map((r) => r.variant)).toEqual(["fp32", "fp16", "int8"]);
    const int8 = results[2]!;
    expect(BANDS).toContain(int8.band);
    expect(int8.error).toBeGreaterThan(0);
    expect(int8.error).toBeLessThanOrEqual(int8.tolerance);
    expect(describeParity(int8)).toMatch(
      /^model\.int8\.onnx \(int8\) against fp32: \d+\.\d\d levels of 255 in the denoised image ≤ 1 \(.+, the band nearest its tolerance\)$/,
    );
  });

  test("an int8 file that strays from fp32 is refused with its error in every band", async () => {
    const refusal = verifyExport(exportWithInt8(perturbedModel()));
    await expect(refusal).rejects.toThrow(
      /^model\.int8\.onnx \(int8\) exceeds its tolerance against model\.onnx \(error in the denoised image, levels of 255\): sigma > 10: \d+\.\d\d levels \(tolerance 1\); 1 < sigma <= 10: \d+\.\d\d levels \(tolerance 1\); sigma <= 0\.1: \d+\.\d\d levels \(tolerance 1\)$/,
    );
  });

  test("an int8 file without checks in parity.json is refused", async () => {
    const dir = exportWithInt8(readFileSync(join(fixture, "model.fp16.onnx")), { checks: false });
    await expect(verifyExport(dir)).rejects.toThrow(
      /lists model\.int8\.onnx \(int8\), but .*parity\.json has no int8 checks to hold it to/,
    );
  });
});
