/**
 * The inference worker: holds the ORT session and runs whole sampling jobs, so the page never
 * freezes. Each job has an AbortController; an aborted job stops before its next UNet pass (a
 * superseded one may still make that call while the next job starts).
 */
import type { Manifest } from "../api/models.ts";
import type { UNet } from "../diffusion/guidance.ts";
import { generateImages } from "./generate-job.ts";
import type { BackendRequest, GenerateParams, JobProgress, Reply, Request, RestoreParams, WasmOptions } from "./protocol.ts";
import { restoreImage } from "./restore-job.ts";
import { openSession, type Session } from "./session.ts";
import { timeUNet } from "./time-unet.ts";

const post = (reply: Reply, transfer: Transferable[] = []) => self.postMessage(reply, { transfer });

let manifest: Manifest | undefined;
let session: Session | undefined;
let switching: Promise<void> | undefined;
/** The visitor's WASM choices, kept for a fallback from WebGPU. */
let wasmOptions: WasmOptions = {};
/** One per running job: a "cancel" message aborts it, and its UNet stops before the next pass. */
const jobs = new Map<number, AbortController>();

async function load(next: Manifest, backend: BackendRequest, wasm: WasmOptions) {
  const started = performance.now();
  await session?.release();
  session = undefined;
  manifest = next;
  wasmOptions = wasm;
  const opened = await openSession(next, backend, wasm, (file, loaded, total, cached) =>
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
    session = await openSession(manifest, "wasm", wasmOptions, () => {}, reason);
    post({ type: "backend", backend: session.backend });
  })().finally(() => (switching = undefined));
  return switching;
}

/** The UNet of the current session, moving to WASM and retrying when WebGPU fails mid-job. */
function unetFor(signal: AbortSignal): UNet {
  return async (x, t, classLabels) => {
    for (;;) {
      signal.throwIfAborted();
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

/** Posts progress (with its preview, if any), then yields so that a cancel message can arrive between UNet passes. */
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

async function generate(job: number, signal: AbortSignal, p: GenerateParams) {
  const { images, labels } = await generateImages(unetFor(signal), requireManifest(), p, (progress) => report(job, progress));
  finish(job, images, labels);
}

async function restore(job: number, signal: AbortSignal, p: RestoreParams) {
  const m = requireManifest();
  const { images, spread } = await restoreImage(unetFor(signal), m, p, (progress) => report(job, progress));
  finish(job, images, new Int32Array(1).fill(m.classes.null_class), spread);
}

async function bench(job: number, signal: AbortSignal, batch: number, runs: number) {
  const ms = await timeUNet(unetFor(signal), requireManifest(), batch, runs);
  post({ type: "bench-result", job, ms });
}

function describe(current: Session | undefined): string {
  return current ? `${current.backend.kind} (${current.backend.variant})` : "no backend";
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

self.onmessage = async ({ data }: MessageEvent<Request>) => {
  if (data.type === "cancel") return jobs.get(data.job)?.abort();
  if (data.type === "load") {
    return load(data.manifest, data.backend, data.wasm).catch((error) => post({ type: "error", message: messageOf(error) }));
  }
  const { job } = data;
  const controller = new AbortController();
  jobs.set(job, controller);
  try {
    switch (data.type) {
      case "generate":
        return await generate(job, controller.signal, data.params);
      case "restore":
        return await restore(job, controller.signal, data.params);
      case "bench":
        return await bench(job, controller.signal, data.batch, data.runs);
    }
  } catch (error) {
    if (controller.signal.aborted) post({ type: "cancelled", job });
    else post({ type: "error", job, message: messageOf(error) });
  } finally {
    jobs.delete(job);
  }
};
