/**
 * The browser half of `npm run bench:web`: UNet-pass latency, whole generations and photos
 * restored tile by tile, for a published model, through the same worker and session code as the page.
 */
import { fetchCurrentVersion, fetchVersion } from "./api/models.ts";
import { InferenceClient } from "./inference/client.ts";
import type { BackendInfo, BackendRequest, GenerateParams, WasmOptions } from "./inference/protocol.ts";
import { type BenchPhoto, benchPhoto } from "./inference/time-unet.ts";

export interface BenchOptions {
  model?: string;
  backend: BackendRequest;
  threads?: number;
  /** WASM weights to run whatever the version's int8 verdict; default: the page's choice. */
  weights?: WasmOptions["weights"];
  batches: number[];
  runs: number;
  /** Generation jobs to time, each as the page would run it. */
  generations: GenerateParams[];
  /** Photos restored tile by tile, as the page restores the visitor's own. */
  photos: BenchPhoto[];
}

export interface BenchResult {
  backend: BackendInfo;
  loadMs: number;
  /** Milliseconds per UNet pass, per batch size. */
  calls: Record<number, number[]>;
  /** Milliseconds per generation job, in the order asked, and to the first preview. */
  generations: { ms: number; firstPreviewMs: number }[];
  /** Milliseconds per photo job, in the order asked. */
  restores: number[];
}

async function runBench(options: BenchOptions): Promise<BenchResult> {
  const version = options.model ? await fetchVersion(options.model) : await fetchCurrentVersion();
  const client = new InferenceClient({ onDownload: () => {}, onBackend: () => {} });
  const { backend, loadMs } = await client.load(version.manifest, options.backend, { threads: options.threads, weights: options.weights });
  const calls: Record<number, number[]> = {};
  for (const batch of options.batches) calls[batch] = await client.bench(batch, options.runs);
  const generations: BenchResult["generations"] = [];
  for (const params of options.generations) {
    const started = performance.now();
    let firstPreviewMs = 0;
    await client.generate(params, { onProgress: () => (firstPreviewMs ||= performance.now() - started) });
    generations.push({ ms: performance.now() - started, firstPreviewMs });
  }
  const restores: number[] = [];
  for (const photo of options.photos) {
    const job = benchPhoto(version.manifest, photo); // drawn before the clock starts: a visitor's photo is there already
    const started = performance.now();
    await client.restore(job);
    restores.push(performance.now() - started);
  }
  return { backend, loadMs, calls, generations, restores };
}

Object.assign(globalThis, { runBench });
