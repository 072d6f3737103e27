/**
 * One ONNX Runtime session on the best backend this device has: WebGPU (fp16 weights where the
 * adapter has `shader-f16`), else WASM (one single-threaded engine per core, engines.ts; int8 weights
 * where the version's evaluation says they hold). ORT is imported on demand, so each build lands in a chunk
 * of its own and its .wasm is served by the app itself.
 */
import { int8Verdict } from "../../../worker/contract/int8.ts";
import type { Manifest, ManifestFile } from "../api/models.ts";
import type { UNet } from "../diffusion/guidance.ts";
import { pooled, workerEngine } from "./engines.ts";
import { type OrtModule, runner } from "./ort-runner.ts";
import type { BackendInfo, BackendRequest, WasmOptions } from "./protocol.ts";
import { type BytesProgress, loadWeights } from "./weights-cache.ts";

/** WASM engines at most (engines.ts): each holds its own copy of the UNet's activations. */
const MAX_ENGINES = 4;

export interface Session {
  backend: BackendInfo;
  run: UNet;
  /** Resolves with a reason when the GPU device is lost (never for WASM). */
  lost: Promise<string>;
  release(): Promise<void>;
}

export type DownloadProgress = (file: ManifestFile, ...args: Parameters<BytesProgress>) => void;

interface WebGpuProbe {
  adapter: GPUAdapter;
  f16: boolean;
}

/** Why WebGPU cannot run here, or the adapter to run it on. */
async function probeWebGpu(): Promise<WebGpuProbe | string> {
  if (!("gpu" in navigator) || !navigator.gpu) return "this browser has no WebGPU";
  // ORT's WebGPU build needs JavaScript Promise Integration; its JSPI-free build is too large to serve as a static asset.
  if (!("Suspending" in WebAssembly)) return "this browser lacks WebAssembly JSPI, which ORT's WebGPU build needs";
  const adapter = await navigator.gpu.requestAdapter({ powerPreference: "high-performance" }).catch(() => null);
  if (!adapter) return "no WebGPU adapter is available";
  return { adapter, f16: adapter.features.has("shader-f16") };
}

/** The limits ORT's kernels benefit from, raised to what the adapter allows. */
const RAISED_LIMITS = [
  "maxBufferSize",
  "maxStorageBufferBindingSize",
  "maxComputeWorkgroupStorageSize",
  "maxComputeInvocationsPerWorkgroup",
  "maxComputeWorkgroupSizeX",
  "maxComputeWorkgroupSizeY",
  "maxComputeWorkgroupSizeZ",
  "maxComputeWorkgroupsPerDimension",
] as const;

function fileFor(manifest: Manifest, variant: ManifestFile["variant"]): ManifestFile | undefined {
  return manifest.files.find((file) => file.variant === variant);
}

export async function openSession(
  manifest: Manifest,
  request: BackendRequest,
  wasm: WasmOptions,
  onDownload: DownloadProgress,
  fallbackReason?: string,
): Promise<Session> {
  if (request !== "wasm") {
    const probe = await probeWebGpu();
    if (typeof probe !== "string") return openWebGpu(manifest, probe, onDownload);
    if (request === "webgpu") throw new Error(`WebGPU was requested, but ${probe}`);
    fallbackReason ??= probe;
  }
  return openWasm(manifest, wasm, onDownload, fallbackReason);
}

async function openWebGpu(manifest: Manifest, probe: WebGpuProbe, onDownload: DownloadProgress): Promise<Session> {
  const fp16 = probe.f16 ? fileFor(manifest, "fp16") : undefined;
  const file = fp16 ?? requireFp32(manifest);
  const requiredLimits = Object.fromEntries(RAISED_LIMITS.map((name) => [name, probe.adapter.limits[name]]));
  const device = await probe.adapter.requestDevice({ requiredFeatures: fp16 ? ["shader-f16"] : [], requiredLimits });
  const lost = device.lost.then((info) => `the GPU device was lost (${info.reason}${info.message ? `: ${info.message}` : ""})`);
  const ort: OrtModule = await import("onnxruntime-web/jspi");
  ort.env.logLevel = "error";
  ort.env.webgpu.device = device;
  const weights = await loadWeights(file, (...args) => onDownload(file, ...args));
  const session = await ort.InferenceSession.create(weights, { executionProviders: ["webgpu"], graphOptimizationLevel: "all" });
  return {
    backend: { kind: "webgpu", threads: 1, variant: file.variant },
    run: runner(ort, session, manifest),
    lost,
    async release() {
      await session.release();
      device.destroy();
    },
  };
}

/** The int8 file WASM runs (the version's verdict, unless the caller asks for a variant), or why fp32 instead. */
function int8FileOrReason(manifest: Manifest, asked: WasmOptions["weights"]): ManifestFile | string {
  if (asked === "fp32") return "fp32 weights were asked for";
  const int8 = fileFor(manifest, "int8");
  if (asked === "int8" && int8) return int8;
  const verdict = int8Verdict(manifest);
  return verdict.ok ? verdict.file : verdict.reason;
}

async function openWasm(manifest: Manifest, wasm: WasmOptions, onDownload: DownloadProgress, fallbackReason?: string): Promise<Session> {
  const ort: OrtModule = await import("onnxruntime-web/wasm");
  ort.env.logLevel = "error";
  ort.env.wasm.numThreads = 1;
  const engines = Math.max(1, Math.min(wasm.threads ?? navigator.hardwareConcurrency, MAX_ENGINES));
  const { channels, size } = manifest.image;
  const open = async (file: ManifestFile, weightsNote?: string): Promise<Session> => {
    const weights = await loadWeights(file, (...args) => onDownload(file, ...args));
    const [local, ...others] = await Promise.allSettled([
      ort.InferenceSession.create(weights, { executionProviders: ["wasm"], graphOptimizationLevel: "all" }),
      ...Array.from({ length: engines - 1 }, () => workerEngine(weights, manifest)),
    ]);
    // An engine that cannot open costs speed, not the page: the rest run without it.
    const helpers = others.flatMap((other) => (other.status === "fulfilled" ? [other.value] : []));
    for (const other of others) if (other.status === "rejected") console.warn(String(other.reason));
    if (local.status === "rejected") {
      for (const helper of helpers) helper.release();
      throw local.reason;
    }
    const session = local.value;
    return {
      backend: {
        kind: "wasm",
        threads: 1 + helpers.length,
        variant: file.variant,
        ...(fallbackReason ? { fallbackReason } : {}),
        ...(weightsNote ? { weightsNote } : {}),
      },
      run: pooled([{ run: runner(ort, session, manifest), alive: true }, ...helpers], channels * size * size),
      lost: new Promise(() => {}),
      async release() {
        for (const helper of helpers) helper.release();
        await session.release();
      },
    };
  };
  // fp16 weights are never used on WASM: its kernels would upcast every op.
  const int8 = int8FileOrReason(manifest, wasm.weights);
  if (typeof int8 === "string") return open(requireFp32(manifest), int8);
  try {
    return await open(int8);
  } catch (error) {
    // int8 is a speed-up, never a requirement: the page still works on fp32.
    const note = `int8 weights failed to load: ${error instanceof Error ? error.message : String(error)}; using fp32`;
    console.warn(note);
    return open(requireFp32(manifest), note);
  }
}

function requireFp32(manifest: Manifest): ManifestFile {
  const file = fileFor(manifest, "fp32");
  if (!file)
    throw new Error(`model ${manifest.id} has no fp32 weights file: its manifest lists ${manifest.files.map((f) => f.name).join(", ")}`);
  return file;
}
