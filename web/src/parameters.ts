/**
 * The settings that made an image, written into its PNG under the keyword "parameters" (as
 * AUTOMATIC1111 does), so a downloaded image says how to make it again and the Generate form can
 * be filled from it.
 */
import type { Manifest } from "./api/models.ts";
import { SAMPLERS, type SamplerName } from "./diffusion/samplers.ts";
import type { GenerateParams, RestoreParams } from "./inference/protocol.ts";
import { withText } from "./png-text.ts";

export const KEYWORD = "parameters";

/**
 * A generated image, or the grid of its whole batch. The guidance interval is not here: it is the
 * version's default, not a setting of the form, and `model` names the version.
 */
export interface GenerateParameters {
  /** The version's id (its manifest's `id`). */
  model: string;
  task: "generate";
  /** The form's class: a class's name, "random" (one per image, drawn from the seed) or "unconditional". */
  class: string;
  seed: number;
  steps: number;
  sampler: SamplerName;
  guidance: number;
  /** The batch the seed made (the form's Images): the seed draws for the whole batch, so each image depends on it. */
  images: number;
  /** The image's place in that batch, from 1 as its caption ("#3") says; absent for the grid. */
  image?: number;
}

/** A photo restored by Fix my photo. */
export interface RestoreParameters {
  model: string;
  task: "restore";
  seed: number;
  steps: number;
  /** The noise's standard deviation in 8-bit levels, as the form shows it ("12/255"). */
  noise: number;
  upscale: RestoreParams["upscale"];
  colourise: boolean;
  /** Whether lost parts were painted over (the mask itself is not kept). */
  mask: boolean;
  resample: number;
  candidates: number;
}

export type ImageParameters = GenerateParameters | RestoreParameters;

/** `index`: the image's place in the batch from 0; none for the grid of the whole batch. */
export function generateParameters(manifest: Manifest, p: GenerateParams, index?: number): GenerateParameters {
  const { seed, steps, sampler, guidance } = p;
  const place = index === undefined ? {} : { image: index + 1 };
  return {
    model: manifest.id,
    task: "generate",
    class: classWord(manifest, p.classLabel),
    seed,
    steps,
    sampler,
    guidance,
    images: p.count,
    ...place,
  };
}

export function restoreParameters(model: string, p: RestoreParams): RestoreParameters {
  const { seed, steps, upscale, resample, candidates } = p;
  const noise = Math.round(p.noise * 127.5 * 100) / 100; // [-1, 1] units to levels of 255
  return { model, task: "restore", seed, steps, noise, upscale, colourise: p.grayscale, mask: p.mask !== null, resample, candidates };
}

/** The form's class choice in words. */
export function classWord({ classes }: Manifest, label: GenerateParams["classLabel"]): string {
  return label === "random" ? "random" : (classes.names[label] ?? "unconditional");
}

/** The class choice `word` names in this model, or null when it has no such class. */
export function classLabelOf({ classes }: Manifest, word: string): GenerateParams["classLabel"] | null {
  // A class's own name comes first: a model may name a class "random", though none does.
  const index = classes.names.indexOf(word);
  if (index >= 0) return index;
  if (word === "random" && classes.names.length > 0) return "random";
  return word === "unconditional" ? classes.null_class : null;
}

/**
 * One line of JSON rather than A1111's "key: value, key: value": a class's name may hold commas and
 * colons, and JSON.parse gives back exactly what was written. tEXt holds Latin-1 only, so every
 * character beyond ASCII is written as a \u escape: still JSON, and the same string once parsed.
 */
export function formatParameters(p: ImageParameters): string {
  return JSON.stringify(p).replace(/[^\x20-\x7e]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`);
}

type Checks<T> = { [K in keyof T]-?: (value: unknown) => boolean };
const whole = (v: unknown) => Number.isSafeInteger(v) && (v as number) >= 0;
const count = (v: unknown) => whole(v) && (v as number) >= 1;
const isString = (v: unknown) => typeof v === "string";
const isBoolean = (v: unknown) => typeof v === "boolean";

const GENERATE: Checks<GenerateParameters> = {
  model: isString,
  task: (v) => v === "generate",
  class: isString,
  seed: whole,
  steps: count,
  sampler: (v) => typeof v === "string" && Object.hasOwn(SAMPLERS, v),
  guidance: Number.isFinite,
  images: count,
  image: (v) => v === undefined || count(v),
};
const RESTORE: Checks<RestoreParameters> = {
  model: isString,
  task: (v) => v === "restore",
  seed: whole,
  steps: count,
  noise: (v) => Number.isFinite(v) && (v as number) >= 0,
  upscale: (v) => v === 1 || v === 2 || v === 4,
  colourise: isBoolean,
  mask: isBoolean,
  resample: count,
  candidates: count,
};

/** The parameters `text` holds, or null when it holds none of this page's (another tool's, or another version's). */
export function parseParameters(text: string): ImageParameters | null {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return null;
  }
  if (typeof value !== "object" || value === null) return null;
  const record = value as Record<string, unknown>;
  const fits = (checks: Record<string, (value: unknown) => boolean>) => Object.entries(checks).every(([key, ok]) => ok(record[key]));
  if (fits(GENERATE)) {
    const p = record as unknown as GenerateParameters;
    return (p.image ?? 1) <= p.images ? p : null;
  }
  return fits(RESTORE) ? (record as unknown as RestoreParameters) : null;
}

/** The PNG with `p` written into it. */
export async function withParameters(png: Blob, p: ImageParameters): Promise<Blob> {
  return new Blob([withText(new Uint8Array(await png.arrayBuffer()), KEYWORD, formatParameters(p))], { type: "image/png" });
}
