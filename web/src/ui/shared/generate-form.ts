/** The Generate form's words and limits, shared by the form and by what fills it from a PNG's settings. */
import type { SamplerName } from "../../diffusion/samplers.ts";

export const SAMPLER_LABELS: Record<SamplerName, string> = {
  dpmpp_2m: "DPM-Solver++(2M)",
  dpmpp_3m: "DPM-Solver++(3M)",
  ddim: "DDIM",
  ddpm: "DDPM (ancestral)",
};

/** Guidance 0 runs the unconditional UNet pass alone (web/src/diffusion/guidance.ts): the class is ignored. */
export const guidanceText = (guidance: number) => (guidance === 0 ? "0 · class ignored" : guidance.toFixed(1));

export const MAX_IMAGES = 64;
export const MAX_SEED = 2 ** 31 - 1;
export const GUIDANCE_RANGE = { min: 0, max: 8, step: 0.5 } as const;
