/** The Generate form filled from a dropped file: what it takes from a PNG of this page, and why it refuses the rest. */
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import type { Manifest } from "../../../web/src/api/models.ts";
import { defaultGenerateParams } from "../../../web/src/inference/generate-job.ts";
import { formatParameters, type GenerateParameters, generateParameters, KEYWORD } from "../../../web/src/parameters.ts";
import { withText } from "../../../web/src/png-text.ts";
import { settingsFromFile } from "../../../web/src/ui/generate/settings-file.ts";

const manifest = JSON.parse(readFileSync(new URL("../../fixtures/tiny/manifest.json", import.meta.url), "utf8")) as Manifest;
const fixture = (name: string) => new Uint8Array(readFileSync(new URL(`../../fixtures/photos/${name}`, import.meta.url)));
const plain = fixture("alpha.png");
const params = { ...defaultGenerateParams(manifest), classLabel: "random" as const, count: 4, steps: 6, sampler: "ddim" as const, seed: 5 };
const pngWith = (text: string) => new Blob([withText(plain, KEYWORD, text)]);
const pngOf = (p: GenerateParameters) => pngWith(formatParameters(p));

describe("settingsFromFile", () => {
  it("fills the form with one image's settings, Images set to its whole batch", async () => {
    expect(await settingsFromFile(pngOf(generateParameters(manifest, params, 2)), "a.png", manifest)).toEqual({
      ok: true,
      settings: { classLabel: "random", seed: 5, steps: 6, sampler: "ddim", guidance: 4, count: 4 },
      note: "Settings from a.png: a random class per image, seed 5, 6 steps, DDIM, guidance 4.0, image 3 of 4. Press Generate to make it again.",
    });
  });

  it("fills a grid's settings, a class and the null class", async () => {
    const grid = await settingsFromFile(pngOf(generateParameters(manifest, { ...params, classLabel: 2 })), "grid.png", manifest);
    expect(grid).toMatchObject({ ok: true, settings: { classLabel: 2, count: 4 } });
    expect(grid.note).toBe(
      "Settings from grid.png: class gradient, seed 5, 6 steps, DDIM, guidance 4.0, 4 images. Press Generate to make them again.",
    );
    const unconditional = await settingsFromFile(
      pngOf(generateParameters(manifest, { ...params, classLabel: 4, guidance: 0 }, 0)),
      "u.png",
      manifest,
    );
    expect(unconditional).toMatchObject({ ok: true, settings: { classLabel: 4, guidance: 0 } });
    expect(unconditional.note).toMatch(
      /^Settings from u\.png: unconditional, seed 5, 6 steps, DDIM, guidance 0 · class ignored, image 1 of 4\./,
    );
  });

  it("says when the image was made by another model, and fills the form all the same", async () => {
    const outcome = await settingsFromFile(pngOf({ ...generateParameters(manifest, params, 0), model: "cifar10-v2" }), "b.png", manifest);
    expect(outcome.ok).toBe(true);
    expect(outcome.note).toMatch(/ It was made by model cifar10-v2, and this is tiny-fixture: the images may differ\.$/);
  });

  it.each([
    [
      "not an image",
      new Blob(["hello"]),
      "No settings from f: it is not a PNG, and only PNGs downloaded from this page carry their settings; the form is unchanged.",
    ],
    [
      "a JPEG",
      new Blob([fixture("gray.jpg")]),
      "No settings from f: it is not a PNG, and only PNGs downloaded from this page carry their settings; the form is unchanged.",
    ],
    [
      "a PNG without settings",
      new Blob([plain]),
      'No settings from f: it has no "parameters" text (PNGs downloaded from this page have one; editing or copying an image can drop it); the form is unchanged.',
    ],
    [
      "another tool's settings",
      pngWith("a cat\nSteps: 20, Sampler: Euler a, CFG scale: 7, Seed: 1"),
      `No settings from f: its "parameters" text is not this page's (another tool's, or a newer version's); the form is unchanged.`,
    ],
    [
      "a restored photo",
      pngWith(
        '{"model":"tiny-fixture","task":"restore","seed":0,"steps":20,"noise":0,"upscale":2,"colourise":false,"mask":true,"resample":1,"candidates":1}',
      ),
      "No settings from f: it is a photo restored by Fix my photo, whose settings are not this form's; the form is unchanged.",
    ],
    [
      "a class this model lacks",
      pngOf({ ...generateParameters(manifest, params), class: "cat" }),
      'No settings from f: it was made for the class "cat", which this model does not have; the form is unchanged.',
    ],
    [
      "more steps than this model has",
      pngOf({ ...generateParameters(manifest, params), steps: 250 }),
      "No settings from f: it was made with 250 steps, more than this model's 100; the form is unchanged.",
    ],
    [
      "a batch larger than the form's",
      pngOf({ ...generateParameters(manifest, params), images: 65 }),
      "No settings from f: it was made with a batch of 65 images, more than the form's 64; the form is unchanged.",
    ],
    [
      "guidance beyond the slider",
      pngOf({ ...generateParameters(manifest, params), guidance: 12 }),
      "No settings from f: it was made with guidance 12, outside the form's 0 to 8; the form is unchanged.",
    ],
  ])("refuses %s, saying why", async (_, file, note) => {
    expect(await settingsFromFile(file, "f", manifest)).toEqual({ ok: false, note });
  });

  it("refuses damaged settings", async () => {
    const bytes = withText(plain, KEYWORD, formatParameters(generateParameters(manifest, params)));
    bytes[bytes.length - 20] ^= 1; // inside the text, before its CRC and IEND
    expect((await settingsFromFile(new Blob([bytes]), "f", manifest)).note).toBe(
      'No settings from f: its "parameters" text is damaged (its CRC-32 does not match); the form is unchanged.',
    );
  });
});
