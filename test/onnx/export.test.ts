// The Python export and onnxruntime-node agree: the committed models, and a model trained and
// exported right here, compute what PyTorch computed; damaged exports are refused with a reason.
import { execFileSync } from "node:child_process";
import { cpSync, mkdtempSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { beforeAll, describe, expect, test } from "vitest";
import { verifyExport } from "../../scripts/lib/verify-onnx.ts";

const root = join(import.meta.dirname, "../..");
const python = process.env.PYTHON ?? "/usr/bin/python3";
const fixture = join(root, "test/fixtures/tiny");

function runPython(args: string[]): string {
  return execFileSync(python, args, { cwd: root, env: { ...process.env, OMP_NUM_THREADS: "1" }, encoding: "utf8" });
}

function copyOfFixture(): string {
  const dir = mkdtempSync(join(tmpdir(), "export-"));
  cpSync(fixture, dir, { recursive: true });
  return dir;
}

describe("committed exports", () => {
  test.each(["model/weights", "model/weights/student"])("the committed %s matches PyTorch, and its int8 file fp32", async (dir) => {
    const results = await verifyExport(join(root, dir));
    expect(results.map((r) => [r.variant, r.error < r.tolerance])).toEqual([
      ["fp32", true],
      ["fp16", true],
      ["int8", true],
    ]);
  });

  test("the tiny fixture matches PyTorch: fp32 within 1e-4, fp16 within its bound", async () => {
    const results = await verifyExport(fixture);
    expect(results.map((r) => r.variant)).toEqual(["fp32", "fp16"]);
    expect(results[0]!.error).toBeLessThan(1e-4);
    expect(results[1]!.error).toBeLessThan(results[1]!.tolerance);
    expect(results[1]!.error).toBeGreaterThan(0); // it really computes in fp16
  });
});

describe("a fresh export", () => {
  let dir: string;
  beforeAll(() => {
    const work = mkdtempSync(join(tmpdir(), "fresh-"));
    runPython(["-c", `from model.training.shapes import write_dataset; write_dataset(${JSON.stringify(`${work}/data`)}, 4)`]);
    runPython([
      "-m",
      "model.train",
      "--preset",
      "tiny",
      "--data",
      `folder:${work}/data`,
      "--num-classes",
      "4",
      "--run-dir",
      `${work}/run`,
      "--total-kimg",
      "0.05",
      "--sample-every-kimg",
      "1",
    ]);
    dir = `${work}/export`;
    runPython(["-m", "model.export", `${work}/run/checkpoint.pt`, "--out", dir, "--id", "fresh-test"]);
  }, 120_000);

  test("has the ONNX interface the page expects", () => {
    const manifest = JSON.parse(readFileSync(join(dir, "manifest.json"), "utf8"));
    expect(manifest.id).toBe("fresh-test");
    expect(manifest.onnx.opset).toBe(17);
    expect(manifest.onnx.inputs.map((i: { dtype: string }) => i.dtype)).toEqual(["float32", "float32", "int32"]);
    expect(manifest.diffusion.alphas_cumprod).toHaveLength(manifest.diffusion.timesteps);
    expect(manifest.classes).toEqual({ names: ["checkers", "disc", "gradient", "stripes"], null_class: 4 });
  });

  test("matches PyTorch on its parity inputs, including a batch size it was not traced with", async () => {
    const parity = JSON.parse(readFileSync(join(dir, "parity.json"), "utf8"));
    expect(parity.inputs.x.shape[0]).toBe(3); // export traces batch 2: the batch axis is dynamic
    const results = await verifyExport(dir);
    expect(results[0]!.error).toBeLessThan(1e-4);
    expect(results[1]!.error).toBeLessThan(5e-2);
  });

  test("writes an int8 file that onnxruntime runs within its tolerance of the fp32 file", async () => {
    const results = await verifyExport(dir);
    expect(results.map((r) => r.variant)).toEqual(["fp32", "fp16", "int8"]);
    expect(results[2]!.error).toBeGreaterThan(0); // it really computes in int8
  });
});

describe("damaged exports are refused", () => {
  test("a corrupt ONNX file with a matching manifest entry", async () => {
    const dir = copyOfFixture();
    const manifest = JSON.parse(readFileSync(join(dir, "manifest.json"), "utf8"));
    const garbage = new TextEncoder().encode("not an onnx model");
    writeFileSync(join(dir, "model.onnx"), garbage);
    const { createHash } = await import("node:crypto");
    manifest.files[0] = { ...manifest.files[0], bytes: garbage.byteLength, sha256: createHash("sha256").update(garbage).digest("hex") };
    writeFileSync(join(dir, "manifest.json"), JSON.stringify(manifest));
    await expect(verifyExport(dir)).rejects.toThrow(/model.onnx is not a valid ONNX model/);
  });

  test("a file whose bytes differ from the manifest's sha256", async () => {
    const dir = copyOfFixture();
    const bytes = readFileSync(join(dir, "model.fp16.onnx"));
    bytes.writeUInt8(bytes.readUInt8(bytes.length - 1) ^ 0xff, bytes.length - 1);
    writeFileSync(join(dir, "model.fp16.onnx"), bytes);
    await expect(verifyExport(dir)).rejects.toThrow(/model.fp16.onnx does not match its manifest entry/);
  });

  test("parity outputs the model does not reproduce", async () => {
    const dir = copyOfFixture();
    const parity = JSON.parse(readFileSync(join(dir, "parity.json"), "utf8"));
    parity.outputs.out.data[7] += 0.01;
    writeFileSync(join(dir, "parity.json"), JSON.stringify(parity));
    await expect(verifyExport(dir)).rejects.toThrow(/model.onnx \(fp32\) differs from PyTorch .* by 0.0099/);
  });

  test("an export from before parity.json, with golden.json in its place", async () => {
    const dir = copyOfFixture();
    renameSync(join(dir, "parity.json"), join(dir, "golden.json"));
    await expect(verifyExport(dir)).rejects.toThrow(
      /parity\.json is missing, and .* has golden\.json, its name in older exports: re-run the export/,
    );
  });

  test("a directory that is not an export", async () => {
    await expect(verifyExport(tmpdir())).rejects.toThrow(/manifest.json is missing/);
  });
});
