/**
 * One ONNX Runtime session on the best backend this device has: WebGPU (fp16 weights where the
 * adapter has `shader-f16`), else WASM (threads when cross-origin isolated). ORT is imported on
 * demand, so each build lands in a chunk of its own and its .wasm is served by the app itself.
 */
import type * as Ort from "onnxruntime-web";
import type { Manifest, ManifestFile } from "../api/models.ts";
import type { Network } from "../diffusion/guidance.ts";
import type { BackendInfo, BackendRequest } from "./protocol.ts";
import { type BytesProgress, loadWeights } from "./weights-cache.ts";

type OrtModule = typeof Ort;

export interface Session {
  backend: BackendInfo;
  run: Network;
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

function fileFor(manifest: Manifest, variant: "fp32" | "fp16"): ManifestFile | undefined {
  return manifest.files.find((file) => file.variant === variant);
}

export async function openSession(
  manifest: Manifest,
  request: BackendRequest,
  threads: number | undefined,
  onDownload: DownloadProgress,
  fallbackReason?: string,
): Promise<Session> {
  if (request !== "wasm") {
    const probe = await probeWebGpu();
    if (typeof probe !== "string") return openWebGpu(manifest, probe, onDownload);
    if (request === "webgpu") throw new Error(`WebGPU was requested, but ${probe}`);
    fallbackReason ??= probe;
  }
  return openWasm(manifest, threads, onDownload, fallbackReason);
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

async function openWasm(
  manifest: Manifest,
  threads: number | undefined,
  onDownload: DownloadProgress,
  fallbackReason?: string,
): Promise<Session> {
  // fp16 weights are never used on WASM: its kernels would upcast every op.
  const file = requireFp32(manifest);
  const ort: OrtModule = await import("onnxruntime-web/wasm");
  ort.env.logLevel = "error";
  // Threads need SharedArrayBuffer, which only a cross-origin isolated page (COOP + COEP) has.
  const usable = crossOriginIsolated ? Math.min(threads ?? navigator.hardwareConcurrency, 16) : 1;
  ort.env.wasm.numThreads = usable;
  const weights = await loadWeights(file, (...args) => onDownload(file, ...args));
  const session = await ort.InferenceSession.create(weights, { executionProviders: ["wasm"], graphOptimizationLevel: "all" });
  return {
    backend: { kind: "wasm", threads: usable, variant: "fp32", ...(fallbackReason ? { fallbackReason } : {}) },
    run: runner(ort, session, manifest),
    lost: new Promise(() => {}),
    release: () => session.release(),
  };
}

function requireFp32(manifest: Manifest): ManifestFile {
  const file = fileFor(manifest, "fp32");
  if (!file)
    throw new Error(`model ${manifest.id} has no fp32 weights file: its manifest lists ${manifest.files.map((f) => f.name).join(", ")}`);
  return file;
}

function runner(ort: OrtModule, session: Ort.InferenceSession, manifest: Manifest): Network {
  const { channels, size } = manifest.image;
  // The graph's names come from the manifest, which model/onnx_export/manifest.py writes from the graph itself.
  const [xName, tName, labelsName] = manifest.onnx.inputs.map((input) => input.name);
  const outName = manifest.onnx.outputs[0].name;
  return async (x, t, classLabels) => {
    const batch = classLabels.length;
    const feeds = {
      [xName]: new ort.Tensor("float32", x, [batch, channels, size, size]),
      [tName]: new ort.Tensor("float32", t, [batch]),
      [labelsName]: new ort.Tensor("int32", classLabels, [batch]),
    };
    const { [outName]: out } = await session.run(feeds);
    const data = (await out.getData()) as Float32Array;
    out.dispose();
    return data;
  };
}
