/** One benchmark for every backend: the page's worker and the native column of `npm run bench:web` time the same calls. */
import type { Manifest } from "../api/manifest.ts";
import type { Network } from "../diffusion/guidance.ts";
import { createRng } from "../diffusion/rng.ts";

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
