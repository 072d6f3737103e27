/**
 * The inference worker: holds the ORT session and runs whole sampling jobs, so the page never
 * freezes. One job at a time; cancellation is checked before every network call.
 */
import type { Manifest } from "../api/models.ts";
import type { Network } from "../diffusion/guidance.ts";
import { generateImages } from "./generate-job.ts";
import {
  type BackendRequest,
  CancelledError,
  type GenerateParams,
  type JobProgress,
  type Reply,
  type Request,
  type RestoreParams,
} from "./protocol.ts";
import { restoreImage } from "./restore-job.ts";
import { openSession, type Session } from "./session.ts";
import { timeNetwork } from "./time-network.ts";

const post = (reply: Reply, transfer: Transferable[] = []) => self.postMessage(reply, { transfer });

let manifest: Manifest | undefined;
let session: Session | undefined;
let switching: Promise<void> | undefined;
/** The visitor's WASM thread choice, kept for a fallback from WebGPU. */
let wasmThreads: number | undefined;
const cancelled = new Set<number>();

async function load(next: Manifest, backend: BackendRequest, threads?: number) {
  const started = performance.now();
  await session?.release();
  session = undefined;
  manifest = next;
  wasmThreads = threads;
  const opened = await openSession(next, backend, threads, (file, loaded, total, cached) =>
    post({ type: "download", file: file.name, loaded, total, cached }),
  );
  watchDevice(opened);
  session = opened;
  post({ type: "ready", backend: opened.backend, loadMs: performance.now() - started });
}

/** A lost GPU device (driver reset, tab in background too long) moves the session to WASM. */
function watchDevice(opened: Session) {
  void opened.lost.then((reason) => {
    if (session === opened) void fallBack(reason);
  });
}

function fallBack(reason: string): Promise<void> {
  switching ??= (async () => {
    const failed = session;
    if (!manifest || failed?.backend.kind !== "webgpu") return;
    console.warn(`falling back to WASM: ${reason}`);
    await failed.release().catch(() => {});
    session = await openSession(manifest, "wasm", wasmThreads, () => {}, reason);
    post({ type: "backend", backend: session.backend });
  })().finally(() => (switching = undefined));
  return switching;
}

/** The network of the current session, moving to WASM and retrying when WebGPU fails mid-job. */
function networkFor(job: number): Network {
  return async (x, t, classLabels) => {
    for (;;) {
      if (cancelled.has(job)) throw new CancelledError();
      await switching;
      const current = session;
      if (!current) throw new Error("no model is loaded");
      try {
        return await current.run(x, t, classLabels);
      } catch (error) {
        if (current.backend.kind !== "webgpu") throw error;
        await fallBack(`WebGPU failed: ${messageOf(error)}`);
      }
    }
  };
}

function requireManifest(): Manifest {
  if (!manifest || !session) throw new Error("no model is loaded yet");
  return manifest;
}

/** Posts progress (with its preview, if any), then yields so that a cancel message can arrive between network calls. */
async function report(job: number, progress: JobProgress) {
  post({ type: "progress", job, ...progress }, progress.preview ? [progress.preview.buffer] : []);
  await new Promise((resolve) => setTimeout(resolve, 0));
}

function finish(job: number, out: Float64Array, labels: Int32Array, spread?: Float64Array) {
  const images = Float32Array.from(out);
  if (!images.every(Number.isFinite)) {
    throw new Error(`the model produced non-finite values on ${describe(session)}: reload with ?backend=wasm to try the CPU`);
  }
  const spread32 = spread && Float32Array.from(spread);
  post({ type: "done", job, images, labels, spread: spread32 }, [images.buffer, labels.buffer, ...(spread32 ? [spread32.buffer] : [])]);
}

async function generate(job: number, p: GenerateParams) {
  const { images, labels } = await generateImages(networkFor(job), requireManifest(), p, (progress) => report(job, progress));
  finish(job, images, labels);
}

async function restore(job: number, p: RestoreParams) {
  const m = requireManifest();
  const { images, spread } = await restoreImage(networkFor(job), m, p, (progress) => report(job, progress));
  finish(job, images, new Int32Array(1).fill(m.classes.null_class), spread);
}

async function bench(job: number, batch: number, runs: number) {
  const ms = await timeNetwork(networkFor(job), requireManifest(), batch, runs);
  post({ type: "bench-result", job, ms });
}

function describe(current: Session | undefined): string {
  return current ? `${current.backend.kind} (${current.backend.variant})` : "no backend";
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

self.onmessage = async ({ data }: MessageEvent<Request>) => {
  const job = "job" in data ? data.job : undefined;
  try {
    switch (data.type) {
      case "load":
        return await load(data.manifest, data.backend, data.threads);
      case "generate":
        return await generate(data.job, data.params);
      case "restore":
        return await restore(data.job, data.params);
      case "bench":
        return await bench(data.job, data.batch, data.runs);
      case "cancel":
        cancelled.add(data.job);
        return;
    }
  } catch (error) {
    if (error instanceof CancelledError && job !== undefined) post({ type: "cancelled", job });
    else post({ type: "error", job, message: messageOf(error) });
  } finally {
    if (job !== undefined && data.type !== "cancel") cancelled.delete(job);
  }
};
