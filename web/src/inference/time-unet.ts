/** One benchmark for every backend: the page's worker and the native column of `npm run bench:web` time the same work. */
import type { Manifest } from "../api/models.ts";
import type { UNet } from "../diffusion/guidance.ts";
import { createRng } from "../diffusion/rng.ts";
import type { RestoreParams } from "./protocol.ts";

/** What a benchmark photo job asks for: the tasks of Fix my photo. */
export type BenchTask = "denoise" | "remove an object" | "remove two objects" | "enlarge x2" | "enlarge x4" | "colourise";

export interface BenchPhoto {
  task: BenchTask;
  /** The restored photo's size (an enlargement starts from a photo `factor` times smaller). */
  width: number;
  height: number;
  steps: number;
  resample: number;
}

/** Side of the square an object removal loses, as an object a visitor paints over. */
export const BENCH_OBJECT_SIDE = 48;
/** Noise of the photo a denoising job restores, in levels of 255. */
export const BENCH_NOISE_255 = 25;

/** How much the task enlarges its photo (1: kept at its size). */
export function benchUpscale(task: BenchTask): RestoreParams["upscale"] {
  return task === "enlarge x2" ? 2 : task === "enlarge x4" ? 4 : 1;
}

/** A smooth photo with the job's damage: the work depends only on its size, task and settings. */
export function benchPhoto(manifest: Manifest, { task, width, height, steps, resample }: BenchPhoto): RestoreParams {
  const { channels } = manifest.image;
  const upscale = benchUpscale(task);
  const [h, w] = [height / upscale, width / upscale];
  const plane = h * w;
  const noise = task === "denoise" ? BENCH_NOISE_255 / 127.5 : 0;
  const z = createRng(1).normal(channels * plane);
  const image = Float32Array.from(z, (v, k) => {
    const [c, i, j] = [task === "colourise" ? 0 : Math.floor(k / plane), Math.floor(k / w) % h, k % w];
    return 0.7 * Math.sin((upscale * i) / 17 + c) * Math.cos((upscale * j) / 23) + noise * v;
  });
  let mask: Uint8Array | null = null;
  if (task === "remove an object" || task === "remove two objects") {
    mask = new Uint8Array(plane).fill(1);
    // One object in the middle; two a quarter of the way in from opposite corners.
    const centres = task === "remove an object" ? [0.5] : [0.25, 0.75];
    for (const at of centres) {
      const [top, left] = [Math.floor(at * h - BENCH_OBJECT_SIDE / 2), Math.floor(at * w - BENCH_OBJECT_SIDE / 2)];
      for (let i = top; i < top + BENCH_OBJECT_SIDE; i++) mask.fill(0, i * w + left, i * w + left + BENCH_OBJECT_SIDE);
    }
  }
  const grayscale = task === "colourise";
  return { image, height: h, width: w, mask, upscale, grayscale, noise, steps, resample, candidates: 1, seed: 0 };
}

/** Milliseconds of each of `runs` calls on one fixed batch (t halfway, the null class), after a warm-up call. */
export async function timeUNet(unet: UNet, manifest: Manifest, batch: number, runs: number): Promise<number[]> {
  const { size, channels } = manifest.image;
  const x = Float32Array.from(createRng(0).normal(batch * channels * size * size));
  const t = new Float32Array(batch).fill(Math.floor(manifest.diffusion.timesteps / 2));
  const labels = new Int32Array(batch).fill(manifest.classes.null_class);
  await unet(x, t, labels); // warm-up: the first run allocates and compiles
  const ms: number[] = [];
  for (let r = 0; r < runs; r++) {
    const started = performance.now();
    await unet(x, t, labels);
    ms.push(performance.now() - started);
  }
  return ms;
}
