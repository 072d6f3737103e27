/**
 * A generation job as the page runs it, on any UNet: the worker runs it on ORT-web, and
 * `npm run bench:web` on onnxruntime-node, so both time the same calls.
 */
import type { Manifest } from "../api/models.ts";
import { guidedEpsModel, guidesAt, type UNet } from "../diffusion/guidance.ts";
import { createRng } from "../diffusion/rng.ts";
import { SAMPLERS } from "../diffusion/samplers.ts";
import { alphaAt, samplingTimesteps, sigmaOf } from "../diffusion/schedule.ts";
import type { GenerateParams, JobProgress } from "./protocol.ts";

/** The form's first settings for a model: any class, at the sampling its manifest was measured best at. */
export function defaultGenerateParams(manifest: Manifest): GenerateParams {
  const conditional = manifest.classes.names.length > 0;
  const { sampler, steps, guidance, guidance_interval: guidanceInterval } = manifest.defaults.generate;
  return {
    classLabel: conditional ? "random" : manifest.classes.null_class,
    count: 8,
    steps,
    sampler,
    // A model without classes has only the null class: one plain pass per step.
    guidance: conditional ? guidance : 1,
    guidanceInterval,
    seed: 0,
  };
}

/**
 * The timesteps a job samples at: a distilled student's own (its manifest lists them; it was trained at
 * them) when asked for that many steps, else `steps` spaced in log-SNR.
 */
export function generateTimesteps(m: Manifest, steps: number): number[] {
  const own = m.defaults.generate.timesteps;
  return own && own.length === steps ? own : samplingTimesteps(steps, m.diffusion.alphas_cumprod);
}

/** UNet passes per image at these settings: one per step, two at a guided step (as guidedEpsModel runs them). */
export function passesPerImage(m: Manifest, p: GenerateParams): number {
  const guided = p.guidance !== 1 && p.guidance !== 0 && p.classLabel !== m.classes.null_class;
  const interval = p.guidanceInterval ?? undefined;
  return generateTimesteps(m, p.steps)
    .map((t) => (guided && guidesAt(sigmaOf(alphaAt(m.diffusion.alphas_cumprod, t)), interval) ? 2 : 1))
    .reduce((sum, passes) => sum + passes, 0);
}

export interface Generated {
  images: Float64Array;
  /** The class each image was made for (drawn from the seed for "random"); the null class at guidance 0, which ignores it. */
  labels: Int32Array;
}

export async function generateImages(
  unet: UNet,
  m: Manifest,
  p: GenerateParams,
  onStep: (progress: JobProgress) => Promise<void>,
): Promise<Generated> {
  const { size, channels } = m.image;
  const { alphas_cumprod: alphasCumprod, prediction } = m.diffusion;
  const nullClass = m.classes.null_class;
  const random = p.classLabel === "random" && nullClass > 0;
  const label = p.classLabel === "random" ? nullClass : p.classLabel;
  if (label < 0 || label > nullClass) throw new Error(`class ${label} is not one of this model's classes (0..${nullClass})`);
  // Draw order (labels, then x_T, then the samplers' noise) is part of "same seed, same images".
  const rng = createRng(p.seed);
  const labels = Int32Array.from({ length: p.count }, () => (random ? Math.floor(rng.uniform() * nullClass) : label));
  const x = rng.normal(labels.length * channels * size * size);
  const interval = p.guidanceInterval ?? undefined;
  const epsModel = guidedEpsModel(unet, { classLabels: labels, guidance: p.guidance, interval, nullClass, alphasCumprod, prediction });
  const total = p.steps * labels.length;
  const images = await SAMPLERS[p.sampler](epsModel, x, generateTimesteps(m, p.steps), alphasCumprod, {
    noise: rng.normal,
    callback: ({ i, denoised }) =>
      onStep({ step: i + 1, steps: p.steps, done: (i + 1) * labels.length, total, preview: Float32Array.from(denoised) }),
  });
  return { images, labels: p.guidance === 0 ? labels.fill(nullClass) : labels };
}
