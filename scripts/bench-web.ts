// npm run bench:web [export-dir]: one UNet pass at batch 1, 16 and 64; 16 images at the page's
// defaults and at the defaults before each speed lever; and each task of Fix my photo on a 600x400
// photo, a 256x256 photo denoised and one or two objects removed from a 2000x1500 one, with the page's
// estimate beside the time it took, in Chromium's ORT-web WASM (1 and 2 cores, one engine each) beside
// onnxruntime-node running the same TypeScript jobs on the same model and machine;
// where the version has an int8 file, one call of it beside one of fp32 in the same browser.
// The model defaults to model/weights (the published default), else the tiny test fixture; a distilled
// student (model/weights/student) runs the same rows, its own 4 steps as the defaults.
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import * as ort from "onnxruntime-node";
import type { Manifest } from "../web/src/api/models.ts";
import type { BenchOptions, BenchResult } from "../web/src/bench.ts";
import { defaultGenerateParams, generateImages } from "../web/src/inference/generate-job.ts";
import type { GenerateParams } from "../web/src/inference/protocol.ts";
import { restoreImage, TILE_BATCH } from "../web/src/inference/restore-job.ts";
import { BENCH_NOISE_255, BENCH_OBJECT_SIDE, type BenchPhoto, benchPhoto, benchUpscale, timeUNet } from "../web/src/inference/time-unet.ts";
import { estimateSeconds, plannedWork, SPEED_BATCH, SPEED_RUNS, speedFrom, tilesThroughUNet } from "../web/src/restore-plan.ts";
import { photoDefaults } from "../worker/contract/photo-defaults.ts";
import { root } from "./lib/local-worker.ts";
import { FIXTURE, launch, openPage, startSite } from "./lib/site.ts";

const BATCHES = [1, 16, 64];
/** Issue 23's yardstick: the page's 16 images at the defaults, counted in native fp32 calls at this batch. */
const YARDSTICK_BATCH = 32;
const THREADS = [1, 2];
const RUNS = Number(process.env.BENCH_RUNS ?? 10);

const defaultDir = existsSync(join(root, "model/weights/manifest.json")) ? join(root, "model/weights") : FIXTURE;
const dir = process.argv[2] ?? defaultDir;
const manifest = JSON.parse(readFileSync(join(dir, "manifest.json"), "utf8")) as Manifest;
const cores = (n: number) => `${n} core${n > 1 ? "s" : ""}`;
const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];
/** A task of Fix my photo at the version's photo defaults. */
const photoJob = (task: BenchPhoto["task"], width: number, height: number): BenchPhoto => ({
  task,
  width,
  height,
  ...photoDefaults(manifest, benchUpscale(task) > 1),
});
const photoName = (photo: BenchPhoto) => `${photo.width}x${photo.height} photo: ${photo.task}`;
const PHOTOS: BenchPhoto[] = [
  ...(["denoise", "remove an object", "enlarge x2", "enlarge x4", "colourise"] as const).map((task) => photoJob(task, 600, 400)),
  photoJob("denoise", 256, 256),
  // A phone photo: only the windows around the objects are restored.
  photoJob("remove an object", 2000, 1500),
  photoJob("remove two objects", 2000, 1500),
];

/** 16 images at the page's defaults and at the defaults before each speed lever; one image at the defaults. */
function generations(manifest: Manifest): { name: string; params: GenerateParams }[] {
  const now = { ...defaultGenerateParams(manifest), count: 16 };
  const before = { ...now, steps: 20, sampler: "dpmpp_2m" as const };
  return [
    { name: "16 images, 20 steps, guided at every step (before)", params: { ...before, guidanceInterval: null } },
    { name: "16 images, 20 steps, guided in the interval", params: before },
    {
      name: `16 images, ${now.steps} steps, ${now.guidanceInterval ? "guided in the interval" : "guidance built in"} (the defaults)`,
      params: now,
    },
    { name: "1 image at the defaults", params: { ...now, count: 1 } },
  ];
}

async function native(threads: number) {
  const fp32 = manifest.files.find((file) => file.variant === "fp32")!;
  const session = await ort.InferenceSession.create(join(dir, fp32.name), {
    intraOpNumThreads: threads,
    interOpNumThreads: 1,
    graphOptimizationLevel: "all",
  });
  const { channels, size } = manifest.image;
  const [xName, tName, labelsName] = manifest.onnx.inputs.map((input) => input.name);
  let rows = 0;
  const unet = async (x: Float32Array, t: Float32Array, labels: Int32Array) => {
    const batch = labels.length;
    rows += batch;
    const { [manifest.onnx.outputs[0].name]: out } = await session.run({
      [xName]: new ort.Tensor("float32", x, [batch, channels, size, size]),
      [tName]: new ort.Tensor("float32", t, [batch]),
      [labelsName]: new ort.Tensor("int32", labels, [batch]),
    });
    return out.data as Float32Array;
  };
  const calls: Record<number, number[]> = {};
  for (const batch of [...BATCHES, YARDSTICK_BATCH]) calls[batch] = await timeUNet(unet, manifest, batch, RUNS);
  // The same TypeScript jobs as the page, around the native UNet.
  const jobs: { ms: number; passesPerImage: number }[] = [];
  for (const { params } of generations(manifest)) {
    rows = 0;
    const started = performance.now();
    await generateImages(unet, manifest, params, async () => {});
    jobs.push({ ms: performance.now() - started, passesPerImage: rows / params.count });
  }
  const restores: number[] = [];
  for (const photo of PHOTOS) {
    const job = benchPhoto(manifest, photo); // drawn before the clock starts, as in the page's bench
    const started = performance.now();
    await restoreImage(unet, manifest, job, async () => {});
    restores.push(performance.now() - started);
  }
  await session.release();
  return { calls, jobs, restores };
}

async function browser(url: string, threads: number, only: Partial<BenchOptions> = {}): Promise<BenchResult> {
  const { context, close } = await launch();
  try {
    const page = await openPage(context, `${url}/bench.html`);
    await page.waitForFunction(() => "runBench" in globalThis);
    const options: BenchOptions = {
      model: manifest.id,
      backend: "wasm",
      threads,
      batches: BATCHES,
      runs: RUNS,
      generations: generations(manifest).map((job) => job.params),
      photos: PHOTOS,
      ...only,
    };
    return await page.evaluate((o) => (globalThis as unknown as { runBench(o: BenchOptions): Promise<BenchResult> }).runBench(o), options);
  } finally {
    await close();
  }
}

const site = await startSite(dir);
try {
  console.log(
    `model ${manifest.id} (${manifest.image.size}x${manifest.image.size}, ${manifest.training.parameters ?? "?"} parameters) from ${dir}`,
  );
  const jobs = generations(manifest);
  const defaults = jobs[2].params;
  console.log(
    `median of ${RUNS} runs after one warm-up; generation: ${defaults.sampler}, guidance ${defaults.guidance} ` +
      `in sigma (${defaults.guidanceInterval?.join(", ") ?? "everywhere"}], classes drawn from seed ${defaults.seed}`,
  );
  const work = PHOTOS.map((photo) => plannedWork(manifest, benchPhoto(manifest, photo)));
  console.log(
    `photos, tiles in batches of ${TILE_BATCH}: ` +
      PHOTOS.map(
        (photo, k) =>
          `${photoName(photo)} at ${photo.steps} steps x ${photo.resample} ${tilesThroughUNet(work[k]).toLocaleString("en")} tile passes`,
      ).join(", ") +
      ` (noise ${BENCH_NOISE_255}/255; an object of ${BENCH_OBJECT_SIDE}x${BENCH_OBJECT_SIDE}; enlargements from a photo 2 or 4 times smaller)\n`,
  );
  const hasInt8 = manifest.files.some((file) => file.variant === "int8");
  const starts: string[] = [];
  const int8Ratios: string[] = [];
  const previews: string[] = [];
  const rows: string[][] = [
    ["cores", "measure", "ORT-web WASM (Chromium)", "onnxruntime-node", "browser/native", "vs before, or the page's estimate (WASM)"],
  ];
  const yardsticks: string[] = [];
  let passes: number[] = [];
  for (const threads of THREADS) {
    const web = await browser(site.worker.url, threads);
    if (web.backend.threads !== threads) throw new Error(`asked for ${threads} WASM engines, the page ran ${web.backend.threads}`);
    const node = await native(threads);
    passes = node.jobs.map((job) => job.passesPerImage);
    const add = (measure: string, webMs: number, nodeMs: number, before = "") =>
      rows.push([String(threads), measure, `${webMs.toFixed(1)} ms`, `${nodeMs.toFixed(1)} ms`, `${(webMs / nodeMs).toFixed(1)}x`, before]);
    for (const batch of BATCHES) add(`one call, batch ${batch}`, median(web.calls[batch]), median(node.calls[batch]));
    jobs.forEach((job, k) => {
      const speedup = web.generations[0].ms / web.generations[k].ms;
      const comparable = k > 0 && job.params.count === jobs[0].params.count;
      add(job.name, web.generations[k].ms, node.jobs[k].ms, comparable ? `${speedup.toFixed(2)}x faster` : "");
    });
    // The page's estimate before a job: its first timed calls at its batch, scaled by the job's tiles.
    const speed = speedFrom(web.calls[SPEED_BATCH].slice(0, SPEED_RUNS));
    PHOTOS.forEach((photo, k) => {
      const estimate = estimateSeconds(work[k], speed) * 1000;
      const said = `estimated ${(estimate / 1000).toFixed(1)} s (${((estimate / web.restores[k] - 1) * 100).toFixed(0)}%)`;
      add(photoName(photo), web.restores[k], node.restores[k], said);
    });
    starts.push(`${web.loadMs.toFixed(0)} ms with ${cores(threads)} (${web.backend.variant} weights)`);
    if (hasInt8) {
      // Calls alone, each file in its own page: the page's jobs above ran whichever it chose.
      const call = async (weights: "fp32" | "int8") => {
        const result = await browser(site.worker.url, threads, { weights, batches: [SPEED_BATCH], generations: [], photos: [] });
        if (result.backend.variant !== weights) {
          throw new Error(`asked for ${weights} weights, the page ran ${result.backend.variant}: ${result.backend.weightsNote}`);
        }
        return median(result.calls[SPEED_BATCH]);
      };
      const [fp32, int8] = [await call("fp32"), await call("int8")];
      int8Ratios.push(`${int8.toFixed(1)} vs ${fp32.toFixed(1)} ms with ${cores(threads)} (${(fp32 / int8).toFixed(2)}x)`);
    }
    const nativeCall = median(node.calls[YARDSTICK_BATCH]);
    yardsticks.push(
      `${(web.generations[2].ms / nativeCall).toFixed(1)} with ${cores(threads)} (${web.generations[2].ms.toFixed(0)} / ${nativeCall.toFixed(1)} ms)`,
    );
    previews.push(
      `${web.generations[3].firstPreviewMs.toFixed(0)} ms (16 images: ${web.generations[2].firstPreviewMs.toFixed(0)} ms) with ${cores(threads)}`,
    );
  }
  const widths = rows[0].map((_, c) => Math.max(...rows.map((row) => row[c].length)));
  for (const row of rows) console.log(row.map((cell, c) => cell.padEnd(widths[c])).join("  "));
  console.log(`\nUNet passes per image: ${jobs.map((job, k) => `${passes[k]} (${job.name})`).join(", ")}`);
  console.log(
    `16 images at the defaults (WASM, the page's weights) in native fp32 batch-${YARDSTICK_BATCH} calls: ${yardsticks.join(", ")}`,
  );
  console.log(`first preview of one image at the defaults (WASM), from the click's message to the worker: ${previews.join(", ")}`);
  console.log(`browser session start (weights download, verify, ORT session): ${starts.join(", ")}`);
  if (hasInt8) console.log(`int8 vs fp32 weights, one call at batch ${SPEED_BATCH} (WASM): ${int8Ratios.join(", ")}`);
} finally {
  site.cleanup();
}
