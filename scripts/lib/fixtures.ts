/** Manifests and bytes for the Worker tests (test/worker) and the benchmark; plain Web APIs, so it runs in workerd and Node. */

import type { Manifest } from "../../worker/contract/manifest.ts";
import { sha256Hex } from "../../worker/crypto.ts";

/** Deterministic pseudo-random bytes (xorshift), different for each seed. */
export function bytesOf(length: number, seed: number): Uint8Array {
  const out = new Uint8Array(length);
  let state = (seed * 2654435761) >>> 0 || 1;
  for (let i = 0; i < length; i++) {
    state ^= state << 13;
    state ^= state >>> 17;
    state ^= state << 5;
    out[i] = state & 0xff;
  }
  return out;
}

export type Weights = Record<string, Uint8Array>;

const TIMESTEPS = 10;

/** A valid manifest describing `weights` (file name -> bytes). */
export async function manifestFor(id: string, weights: Weights): Promise<Manifest> {
  const files = await Promise.all(
    Object.entries(weights).map(async ([name, bytes]) => ({
      name,
      variant: name.includes("fp16") ? ("fp16" as const) : name.includes("int8") ? ("int8" as const) : ("fp32" as const),
      bytes: bytes.byteLength,
      sha256: await sha256Hex(bytes),
    })),
  );
  return {
    schema: "edge-diffusion/manifest@1",
    id,
    name: "CIFAR-10 class-conditional UNet",
    created: "2026-11-29T10:00:00Z",
    image: { size: 32, channels: 3, range: [-1, 1] },
    classes: { names: ["airplane", "automobile"], null_class: 2 },
    diffusion: {
      schedule: "cosine",
      timesteps: TIMESTEPS,
      prediction: "v",
      alphas_cumprod: Array.from({ length: TIMESTEPS }, (_, t) => 1 - (t + 1) / (TIMESTEPS + 1)),
    },
    defaults: {
      generate: { sampler: "dpmpp_2m", steps: 8, guidance: 4, guidance_interval: [0.2, 10] },
      restore: { steps: TIMESTEPS, resample: 2 },
      restore_photo: { steps: 5, resample: 1 },
      ddnm_eta: 0.85,
    },
    onnx: {
      opset: 17,
      inputs: [
        { name: "x", dtype: "float32", shape: ["batch", 3, 32, 32] },
        { name: "t", dtype: "float32", shape: ["batch"] },
        { name: "class_labels", dtype: "int32", shape: ["batch"] },
      ],
      outputs: [{ name: "out", dtype: "float32", shape: ["batch", 3, 32, 32] }],
    },
    files,
    training: { dataset: "CIFAR-10", images_seen: 123456, steps: 1929, batch_size: 64, preset: "cpu", extra: { ema: 0.999 } },
    metrics: { classifier_accuracy: 0.41, note: "not comparable with published FID" },
  };
}
