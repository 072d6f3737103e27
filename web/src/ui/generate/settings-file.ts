/**
 * The Generate form filled from a PNG downloaded from this page (its "parameters"), or why it is not:
 * not a PNG, no settings in it, another tool's or another task's, or settings this model or form cannot take.
 */
import type { Manifest } from "../../api/models.ts";
import type { GenerateParams } from "../../inference/protocol.ts";
import { classLabelOf, type GenerateParameters, KEYWORD, parseParameters } from "../../parameters.ts";
import { isPng, readText } from "../../png-text.ts";
import { GUIDANCE_RANGE, guidanceText, MAX_IMAGES, MAX_SEED, SAMPLER_LABELS } from "../shared/generate-form.ts";

/** What a file sets: the guidance interval is the version's, not the form's. */
export type FormSettings = Omit<GenerateParams, "guidanceInterval">;

/** `note` says what was filled, or why nothing was. */
export type FromFile = { ok: true; settings: FormSettings; note: string } | { ok: false; note: string };

export async function settingsFromFile(file: Blob, name: string, manifest: Manifest): Promise<FromFile> {
  const refuse = (why: string): FromFile => ({ ok: false, note: `No settings from ${name}: ${why}; the form is unchanged.` });
  let bytes: Uint8Array;
  try {
    bytes = new Uint8Array(await file.arrayBuffer());
  } catch (error) {
    return refuse(`it could not be read (${(error as Error).message})`);
  }
  if (!isPng(bytes)) return refuse("it is not a PNG, and only PNGs downloaded from this page carry their settings");
  let text: string | null;
  try {
    text = readText(bytes, KEYWORD);
  } catch (error) {
    return refuse((error as Error).message);
  }
  if (text === null) {
    return refuse(`it has no "${KEYWORD}" text (PNGs downloaded from this page have one; editing or copying an image can drop it)`);
  }
  const p = parseParameters(text);
  if (!p) return refuse(`its "${KEYWORD}" text is not this page's (another tool's, or a newer version's)`);
  if (p.task !== "generate") return refuse("it is a photo restored by Fix my photo, whose settings are not this form's");
  const classLabel = classLabelOf(manifest, p.class);
  if (classLabel === null) return refuse(`it was made for the class "${p.class}", which this model does not have`);
  const beyond = beyondForm(p, manifest);
  if (beyond) return refuse(`it was made with ${beyond}`);

  const { seed, steps, sampler, guidance, images, image } = p;
  const what = [
    classText(classLabel, manifest),
    `seed ${seed}`,
    `${steps} steps`,
    SAMPLER_LABELS[sampler],
    `guidance ${guidanceText(guidance)}`,
    image ? `image ${image} of ${images}` : `${images} images`,
  ];
  const otherModel = p.model === manifest.id ? "" : ` It was made by model ${p.model}, and this is ${manifest.id}: the images may differ.`;
  return {
    ok: true,
    // The seed draws for the whole batch, so Images is the batch's size, not just enough for the image.
    settings: { classLabel, seed, steps, sampler, guidance, count: images },
    note: `Settings from ${name}: ${what.join(", ")}. Press Generate to make ${image ? "it" : "them"} again.${otherModel}`,
  };
}

function classText(label: FormSettings["classLabel"], { classes }: Manifest): string {
  if (label === "random") return "a random class per image";
  return label === classes.null_class ? "unconditional" : `class ${classes.names[label]}`;
}

/** Which setting the form cannot hold, in words; null when it holds them all. */
function beyondForm(p: GenerateParameters, manifest: Manifest): string | null {
  const { timesteps } = manifest.diffusion;
  if (p.steps > timesteps) return `${p.steps} steps, more than this model's ${timesteps}`;
  if (p.images > MAX_IMAGES) return `a batch of ${p.images} images, more than the form's ${MAX_IMAGES}`;
  if (p.seed > MAX_SEED) return `the seed ${p.seed}, beyond the form's ${MAX_SEED}`;
  const { min, max } = GUIDANCE_RANGE;
  if (p.guidance < min || p.guidance > max) return `guidance ${p.guidance}, outside the form's ${min} to ${max}`;
  return null;
}
