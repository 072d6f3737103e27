/**
 * The browser half of `npm run bench:web`: network-call latency, whole-generation time and a photo
 * restored tile by tile, for a published model, through the same worker and session code as the page.
 */
import { fetchCurrentVersion, fetchVersion } from "./api/manifest.ts";
import { InferenceClient } from "./inference/client.ts";
import type { BackendInfo, BackendRequest } from "./inference/protocol.ts";
import { benchPhoto, type BenchPhoto } from "./inference/time-network.ts";

export interface BenchOptions {
  model?: string;
  backend: BackendRequest;
  threads?: number;
  batches: number[];
  runs: number;
  generate: { count: number; steps: number };
  /** A photo restored tile by tile, as the page restores the visitor's own. */
  photo: BenchPhoto;
}

export interface BenchResult {
  backend: BackendInfo;
  loadMs: number;
  /** Milliseconds per network call, per batch size. */
  calls: Record<number, number[]>;
  generateMs: number;
  restoreMs: number;
}

async function runBench(options: BenchOptions): Promise<BenchResult> {
  const version = options.model ? await fetchVersion(options.model) : await fetchCurrentVersion();
  const client = new InferenceClient({ onDownload: () => {}, onBackend: () => {} });
  const { backend, loadMs } = await client.load(version.manifest, options.backend, options.threads);
  const calls: Record<number, number[]> = {};
  for (const batch of options.batches) calls[batch] = await client.bench(batch, options.runs);
  const { count, steps } = options.generate;
  const started = performance.now();
  // Guidance 1: one conditional pass per step, so `count` images make one batch of `count`.
  await client.generate({ classLabel: "random", count, steps, sampler: "dpmpp_2m", guidance: 1, seed: 0 }).result;
  const generateMs = performance.now() - started;
  const restoreStarted = performance.now();
  await client.restore(benchPhoto(version.manifest, options.photo)).result;
  return { backend, loadMs, calls, generateMs, restoreMs: performance.now() - restoreStarted };
}

Object.assign(globalThis, { runBench });
