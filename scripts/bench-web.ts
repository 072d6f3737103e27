// npm run bench:web [export-dir]: one UNet call at batch 1 and 16, 16 images in 20 steps, and a
// 256x256 photo denoised tile by tile, in Chromium's ORT-web WASM (1 and 2 threads) beside
// onnxruntime-node running the same TypeScript loops on the same model and machine.
// The model defaults to model/weights (the published default), else the tiny test fixture.
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import * as ort from "onnxruntime-node";
import { FIXTURE, launch, openPage, startSite } from "./lib/site.ts";
import { root } from "./lib/local-worker.ts";
import { guidedEpsModel } from "../web/src/diffusion/guidance.ts";
import { createRng } from "../web/src/diffusion/rng.ts";
import { sampleDpmpp2m } from "../web/src/diffusion/samplers.ts";
import { samplingTimesteps } from "../web/src/diffusion/schedule.ts";
import { tileCount } from "../web/src/diffusion/tiles.ts";
import { TILE_BATCH, plannedTimesteps, restoreImage } from "../web/src/inference/restore-job.ts";
import { benchPhoto, timeNetwork } from "../web/src/inference/time-network.ts";
import type { BenchOptions, BenchResult } from "../web/src/bench.ts";
import type { Manifest } from "../web/src/api/manifest.ts";

const BATCHES = [1, 16];
const THREADS = [1, 2];
const RUNS = Number(process.env.BENCH_RUNS ?? 10);
const GENERATE = { count: 16, steps: 20 };
const PHOTO = { side: 256, sigma255: 25, steps: 20, resample: 1 };

const defaultDir = existsSync(join(root, "model/weights/manifest.json")) ? join(root, "model/weights") : FIXTURE;
const dir = process.argv[2] ?? defaultDir;
const manifest = JSON.parse(readFileSync(join(dir, "manifest.json"), "utf8")) as Manifest;
const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];

async function native(threads: number) {
  const fp32 = manifest.files.find((file) => file.variant === "fp32")!;
  const session = await ort.InferenceSession.create(join(dir, fp32.name), { intraOpNumThreads: threads, interOpNumThreads: 1, graphOptimizationLevel: "all" });
  const { channels, size } = manifest.image;
  const net = async (x: Float32Array, t: Float32Array, labels: Int32Array) => {
    const batch = labels.length;
    const { out } = await session.run({
      x: new ort.Tensor("float32", x, [batch, channels, size, size]),
      t: new ort.Tensor("float32", t, [batch]),
      class_labels: new ort.Tensor("int32", labels, [batch]),
    });
    return out.data as Float32Array;
  };
  const calls: Record<number, number[]> = {};
  for (const batch of BATCHES) calls[batch] = await timeNetwork(net, manifest, batch, RUNS);
  // The same TypeScript sampler loop as the page, around the native network.
  const rng = createRng(0);
  const { alphas_cumprod: alphasCumprod, prediction } = manifest.diffusion;
  const classLabels = Int32Array.from({ length: GENERATE.count }, (_, i) => i % Math.max(1, manifest.classes.null_class));
  const epsModel = guidedEpsModel(net, { classLabels, guidance: 1, nullClass: manifest.classes.null_class, alphasCumprod, prediction });
  const started = performance.now();
  await sampleDpmpp2m(epsModel, rng.normal(GENERATE.count * channels * size * size), samplingTimesteps(GENERATE.steps, alphasCumprod), alphasCumprod);
  const generateMs = performance.now() - started;
  const restoreStarted = performance.now();
  await restoreImage(net, manifest, benchPhoto(manifest, PHOTO), async () => {});
  const restoreMs = performance.now() - restoreStarted;
  await session.release();
  return { calls, generateMs, restoreMs };
}

async function browser(url: string, threads: number): Promise<BenchResult> {
  const { context, close } = await launch();
  try {
    const page = await openPage(context, `${url}/bench.html`);
    await page.waitForFunction(() => "runBench" in globalThis);
    const options: BenchOptions = { model: manifest.id, backend: "wasm", threads, batches: BATCHES, runs: RUNS, generate: GENERATE, photo: PHOTO };
    return await page.evaluate((o) => (globalThis as unknown as { runBench(o: BenchOptions): Promise<BenchResult> }).runBench(o), options);
  } finally {
    await close();
  }
}

const site = await startSite(dir);
try {
  console.log(`model ${manifest.id} (${manifest.image.size}x${manifest.image.size}, ${manifest.training.parameters ?? "?"} parameters) from ${dir}`);
  const photoTiles = tileCount(PHOTO.side, PHOTO.side, manifest.image.size);
  console.log(`median of ${RUNS} runs after one warm-up; generation: ${GENERATE.count} images, ${GENERATE.steps} DPM-Solver++(2M) steps, guidance 1`);
  const photoSteps = plannedTimesteps(manifest, benchPhoto(manifest, PHOTO)).length;
  console.log(
    `photo: ${PHOTO.side}x${PHOTO.side} denoised (sigma ${PHOTO.sigma255}/255), ${photoSteps} DDNM+ steps from its own noise level ` +
      `(the density of ${PHOTO.steps} over the whole schedule) x ${PHOTO.resample}, up to ${photoTiles} tiles a call in batches of ${TILE_BATCH}\n`,
  );
  const starts: string[] = [];
  const rows: string[][] = [["threads", "measure", "ORT-web WASM (Chromium)", "onnxruntime-node", "browser/native"]];
  for (const threads of THREADS) {
    const web = await browser(site.worker.url, threads);
    if (web.backend.threads !== threads) throw new Error(`asked for ${threads} WASM threads, the page ran ${web.backend.threads}`);
    const node = await native(threads);
    const add = (measure: string, webMs: number, nodeMs: number) =>
      rows.push([String(threads), measure, `${webMs.toFixed(1)} ms`, `${nodeMs.toFixed(1)} ms`, `${(webMs / nodeMs).toFixed(1)}x`]);
    for (const batch of BATCHES) add(`one call, batch ${batch}`, median(web.calls[batch]), median(node.calls[batch]));
    add(`${GENERATE.count} images, ${GENERATE.steps} steps`, web.generateMs, node.generateMs);
    add(`${PHOTO.side}x${PHOTO.side} photo denoised`, web.restoreMs, node.restoreMs);
    starts.push(`${web.loadMs.toFixed(0)} ms with ${threads} thread${threads > 1 ? "s" : ""}`);
  }
  const widths = rows[0].map((_, c) => Math.max(...rows.map((row) => row[c].length)));
  for (const row of rows) console.log(row.map((cell, c) => cell.padEnd(widths[c])).join("  "));
  console.log(`\nbrowser session start (weights download, verify, ORT session): ${starts.join(", ")}`);
} finally {
  site.cleanup();
}
