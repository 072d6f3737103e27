/**
 * The inference worker: holds the ORT session and runs whole sampling jobs, so the page never
 * freezes. One job at a time; cancellation is checked before every network call.
 */
import type { Manifest } from "../api/manifest.ts";
import { guidedEpsModel, type Network } from "../diffusion/guidance.ts";
import { crop, ddnmSampler, meanOfCandidates, photoProblem, spreadOfCandidates } from "../diffusion/restore.ts";
import { createRng } from "../diffusion/rng.ts";
import { SAMPLERS, type EpsModel, type Sampler, type StepInfo } from "../diffusion/samplers.ts";
import { samplingTimesteps } from "../diffusion/schedule.ts";
import { randomOffsets, tileCount, tiledEpsModel } from "../diffusion/tiles.ts";
import type { BackendRequest, GenerateParams, Reply, Request, RestoreParams } from "./protocol.ts";
import { openSession, type Session } from "./session.ts";
import { timeNetwork } from "./time-network.ts";

const post = (reply: Reply, transfer: Transferable[] = []) => self.postMessage(reply, { transfer });

class Cancelled extends Error {}

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
      if (cancelled.has(job)) throw new Cancelled();
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

/** What the page shows of a batch: all of it, or one image made of several (the mean of candidates). */
type Combine = (batch: Float64Array) => Float64Array;
const asIs: Combine = (batch) => batch;

/** Lets a cancel message in between network calls. */
const yieldToMessages = () => new Promise((resolve) => setTimeout(resolve, 0));

/** The steps done, and the network's work (images or tiles) done of the total. */
interface Work {
  step: number;
  done: number;
  total: number;
}

/** Posts each step's x0 estimate as a live preview. */
function progress(job: number, steps: number, work: Work, combine: Combine) {
  return async ({ i, denoised }: StepInfo) => {
    work.step = i + 1;
    const preview = Float32Array.from(combine(denoised));
    post({ type: "progress", job, step: work.step, steps, done: work.done, total: work.total, preview }, [preview.buffer]);
    await yieldToMessages();
  };
}

function finish(job: number, out: Float64Array, labels: Int32Array, spread?: Float64Array) {
  const images = Float32Array.from(out);
  if (!images.every(Number.isFinite)) {
    throw new Error(`the model produced non-finite values on ${describe(session)}: reload with ?backend=wasm to try the CPU`);
  }
  const spread32 = spread && Float32Array.from(spread);
  post({ type: "done", job, images, labels, spread: spread32 }, [images.buffer, labels.buffer, ...(spread32 ? [spread32.buffer] : [])]);
}

async function sample(job: number, sampler: Sampler, classLabels: Int32Array, guidance: number, steps: number, seed: number) {
  const m = requireManifest();
  const { size, channels } = m.image;
  const { alphas_cumprod: alphasCumprod, prediction } = m.diffusion;
  // Draw order (labels, then x_T, then the samplers' noise) is part of "same seed, same images".
  const rng = createRng(seed);
  const labels = classLabels.map((label) => (label < 0 ? Math.floor(rng.uniform() * m.classes.null_class) : label));
  const x = rng.normal(labels.length * channels * size * size);
  const epsModel = guidedEpsModel(networkFor(job), { classLabels: labels, guidance, nullClass: m.classes.null_class, alphasCumprod, prediction });
  const timesteps = samplingTimesteps(steps, alphasCumprod);
  const work: Work = { step: 0, done: 0, total: steps * labels.length };
  const onStep = progress(job, steps, work, asIs);
  const out = await sampler(epsModel, x, timesteps, alphasCumprod, {
    noise: rng.normal,
    callback: (info) => {
      work.done = (info.i + 1) * labels.length;
      return onStep(info);
    },
  });
  finish(job, out, labels);
}

function generate(job: number, p: GenerateParams) {
  const m = requireManifest();
  const random = p.classLabel === "random" && m.classes.null_class > 0;
  const label = p.classLabel === "random" ? m.classes.null_class : p.classLabel;
  if (label < 0 || label > m.classes.null_class) throw new Error(`class ${label} is not one of this model's classes (0..${m.classes.null_class})`);
  // -1 marks "draw a class from the seed".
  const classLabels = new Int32Array(p.count).fill(random ? -1 : label);
  return sample(job, SAMPLERS[p.sampler], classLabels, p.guidance, p.steps, p.seed);
}

/** Tiles per network call: large enough to amortise a call, small enough that memory stays flat on any photo. */
const TILE_BATCH = 32;

/**
 * The unconditional prior (restoration should not push an image towards any one class) over any
 * number of model-sized tiles, TILE_BATCH at a time; `onTiles` hears how many are done.
 */
function tilePrior(job: number, m: Manifest, onTiles: (done: number, total: number) => Promise<void>): EpsModel {
  const { channels, size } = m.image;
  const { alphas_cumprod: alphasCumprod, prediction } = m.diffusion;
  const nullClass = m.classes.null_class;
  const tileLength = channels * size * size;
  const network = networkFor(job);
  return async (tiles, t) => {
    const count = tiles.length / tileLength;
    const eps = new Float64Array(tiles.length);
    for (let start = 0; start < count; start += TILE_BATCH) {
      const end = Math.min(count, start + TILE_BATCH);
      const classLabels = new Int32Array(end - start).fill(nullClass);
      const epsModel = guidedEpsModel(network, { classLabels, guidance: 0, nullClass, alphasCumprod, prediction });
      eps.set(await epsModel(tiles.subarray(start * tileLength, end * tileLength), t), start * tileLength);
      await onTiles(end, count);
    }
    return eps;
  };
}

/** The visitor's image restored at its own size (times `upscale`), tile by tile: DDNM+ on the whole canvas. */
async function restore(job: number, p: RestoreParams) {
  const m = requireManifest();
  const { channels, size: tile } = m.image;
  const { alphas_cumprod: alphasCumprod } = m.diffusion;
  if (!Number.isInteger(p.candidates) || p.candidates < 1) throw new Error(`candidates must be a positive integer, got ${p.candidates}`);
  const problem = photoProblem(p.image, { channels, height: p.height, width: p.width, known: p.mask, downsample: p.upscale, grayscale: p.grayscale && channels > 1, tile });
  const { degradation, height, width } = problem;
  const plane = height * width;
  // The candidates are one batch: the same measurement, different noise.
  const y = new Float64Array(p.candidates * problem.y.length);
  for (let k = 0; k < p.candidates; k++) y.set(problem.y, k * problem.y.length);
  const rng = createRng(p.seed);
  const x = rng.normal(p.candidates * degradation.imageLength);
  const timesteps = samplingTimesteps(p.steps, alphasCumprod);
  // Work in tiles: every call runs at most this many (an unshifted grid runs fewer), so the count stays exact at the end of each call.
  const perCall = p.candidates * tileCount(degradation.height, degradation.width, tile);
  const work: Work = { step: 0, done: 0, total: perCall * ((timesteps.length - 1) * p.resample + 1) };
  let calls = 0;
  const prior = tilePrior(job, m, async (done, total) => {
    work.done = (calls + done / total) * perCall;
    if (done === total) calls++;
    post({ type: "progress", job, step: work.step, steps: p.steps, done: work.done, total: work.total, preview: null });
    await yieldToMessages();
  });
  const canvas = { channels, height: degradation.height, width: degradation.width };
  const epsModel = tiledEpsModel(prior, canvas, tile, randomOffsets(tile, rng.uniform));
  // Only averaging to gray shrinks the noise of the photo's own pixels.
  const sigmaY = p.noise * Math.sqrt(degradation.outChannels / degradation.channels);
  const sampler = ddnmSampler({ degradation, y, sigmaY, resample: p.resample });
  const cropped = (batch: Float64Array) => crop(batch, canvas.height, canvas.width, height, width);
  const combine: Combine = p.candidates > 1 ? (batch) => meanOfCandidates(cropped(batch), p.candidates, channels * plane) : cropped;
  const out = cropped(await sampler(epsModel, x, timesteps, alphasCumprod, { noise: rng.normal, callback: progress(job, p.steps, work, combine) }));
  const spread = p.candidates > 1 ? spreadOfCandidates(out, p.candidates, channels, plane) : undefined;
  finish(job, p.candidates > 1 ? meanOfCandidates(out, p.candidates, channels * plane) : out, new Int32Array(1).fill(m.classes.null_class), spread);
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
    if (error instanceof Cancelled && job !== undefined) post({ type: "cancelled", job });
    else post({ type: "error", job, message: messageOf(error) });
  } finally {
    if (job !== undefined && data.type !== "cancel") cancelled.delete(job);
  }
};
