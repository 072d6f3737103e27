/** One benchmark for every backend: the page's worker and the native column of `npm run bench:web` time the same work. */
import type { Manifest } from "../api/models.ts";
import type { Network } from "../diffusion/guidance.ts";
import { createRng } from "../diffusion/rng.ts";
import type { RestoreParams } from "./protocol.ts";

export interface BenchPhoto {
  side: number;
  /** Pixel noise, in levels of 255. */
  sigma255: number;
  steps: number;
  resample: number;
}

/** A smooth square photo with noise, to denoise: the work depends only on its size and the settings. */
export function benchPhoto(manifest: Manifest, { side, sigma255, steps, resample }: BenchPhoto): RestoreParams {
  const { channels } = manifest.image;
  const plane = side * side;
  const z = createRng(1).normal(channels * plane);
  const image = Float32Array.from(z, (v, k) => {
    const [c, i, j] = [Math.floor(k / plane), Math.floor(k / side) % side, k % side];
    return 0.7 * Math.sin(i / 17 + c) * Math.cos(j / 23) + (sigma255 / 127.5) * v;
  });
  return {
    image,
    height: side,
    width: side,
    mask: null,
    upscale: 1,
    grayscale: false,
    noise: sigma255 / 127.5,
    steps,
    resample,
    candidates: 1,
    seed: 0,
  };
}

/** Milliseconds of each of `runs` calls on one fixed batch (t halfway, the null class), after a warm-up call. */
export async function timeNetwork(net: Network, manifest: Manifest, batch: number, runs: number): Promise<number[]> {
  const { size, channels } = manifest.image;
  const x = Float32Array.from(createRng(0).normal(batch * channels * size * size));
  const t = new Float32Array(batch).fill(Math.floor(manifest.diffusion.timesteps / 2));
  const labels = new Int32Array(batch).fill(manifest.classes.null_class);
  await net(x, t, labels); // warm-up: the first run allocates and compiles
  const ms: number[] = [];
  for (let r = 0; r < runs; r++) {
    const started = performance.now();
    await net(x, t, labels);
    ms.push(performance.now() - started);
  }
  return ms;
}
