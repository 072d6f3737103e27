/** The settings written into downloaded PNGs: their words, their text, and what is read back. */
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import type { Manifest } from "../../../web/src/api/models.ts";
import { defaultGenerateParams } from "../../../web/src/inference/generate-job.ts";
import type { RestoreParams } from "../../../web/src/inference/protocol.ts";
import {
  classLabelOf,
  classWord,
  formatParameters,
  type GenerateParameters,
  generateParameters,
  parseParameters,
  restoreParameters,
} from "../../../web/src/parameters.ts";

const manifest = JSON.parse(readFileSync(new URL("../../fixtures/tiny/manifest.json", import.meta.url), "utf8")) as Manifest;
const restore: RestoreParams = {
  image: new Float32Array(12),
  height: 2,
  width: 2,
  mask: Uint8Array.from([1, 0, 1, 1]),
  upscale: 2,
  grayscale: true,
  noise: 12 / 127.5,
  steps: 20,
  resample: 3,
  candidates: 4,
  seed: 9,
};
const params = { ...defaultGenerateParams(manifest), classLabel: 1, count: 4, steps: 6, sampler: "ddim" as const, guidance: 2.5, seed: 5 };

describe("generateParameters", () => {
  it("writes one image's settings as one line of JSON, its place in the batch counted from 1", () => {
    expect(formatParameters(generateParameters(manifest, params, 2))).toBe(
      '{"model":"tiny-fixture","task":"generate","class":"disc","seed":5,"steps":6,"sampler":"ddim","guidance":2.5,"images":4,"image":3}',
    );
  });

  it("leaves out the image for the grid of the whole batch", () => {
    expect(generateParameters(manifest, params)).not.toHaveProperty("image");
  });
});

describe("class words", () => {
  it("name a class, the random choice and the null class, and read each back", () => {
    for (const [label, word] of [
      [0, "checkers"],
      [3, "stripes"],
      ["random", "random"],
      [4, "unconditional"],
    ] as const) {
      expect(classWord(manifest, label)).toBe(word);
      expect(classLabelOf(manifest, word)).toBe(label);
    }
  });

  it("know no class this model lacks, and no random class in a model without classes", () => {
    expect(classLabelOf(manifest, "cat")).toBeNull();
    expect(classLabelOf(manifest, "Disc")).toBeNull();
    const classless = { ...manifest, classes: { names: [], null_class: 0 } };
    expect(classLabelOf(classless, "random")).toBeNull();
    expect(classLabelOf(classless, "unconditional")).toBe(0);
  });
});

describe("restoreParameters", () => {
  it("says what was set, the noise in levels of 255 as the form shows it", () => {
    expect(restoreParameters("tiny-fixture", restore)).toEqual({
      model: "tiny-fixture",
      task: "restore",
      seed: 9,
      steps: 20,
      noise: 12,
      upscale: 2,
      colourise: true,
      mask: true,
      resample: 3,
      candidates: 4,
    });
    expect(restoreParameters("tiny-fixture", { ...restore, mask: null, grayscale: false })).toMatchObject({
      mask: false,
      colourise: false,
    });
  });
});

describe("formatParameters and parseParameters", () => {
  it("give back what was written, for both tasks", () => {
    const generated = generateParameters(manifest, params, 0);
    expect(parseParameters(formatParameters(generated))).toEqual(generated);
    const restored = restoreParameters("v1", restore);
    expect(parseParameters(formatParameters(restored))).toEqual(restored);
  });

  it("write only printable ASCII (tEXt is Latin-1), and still read a class named beyond it", () => {
    const named: GenerateParameters = { ...generateParameters(manifest, params), class: 'café, "noir": ☕ 𝄞\n' };
    const text = formatParameters(named);
    expect(text).toMatch(/^[\x20-\x7e]*$/);
    expect(parseParameters(text)).toEqual(named);
  });

  it("read nothing from another tool's text, or from JSON that is not a whole record", () => {
    const good = JSON.parse(formatParameters(generateParameters(manifest, params, 3)));
    for (const text of [
      "a photo of a cat\nNegative prompt: blurry\nSteps: 20, Sampler: Euler a, CFG scale: 7, Seed: 1",
      "null",
      "[]",
      '"generate"',
      JSON.stringify({ ...good, task: "upscale" }),
      JSON.stringify({ ...good, seed: undefined }),
      JSON.stringify({ ...good, seed: -1 }),
      JSON.stringify({ ...good, steps: "8" }),
      JSON.stringify({ ...good, steps: 0 }),
      JSON.stringify({ ...good, sampler: "euler_a" }),
      JSON.stringify({ ...good, sampler: "toString" }),
      JSON.stringify({ ...good, guidance: null }),
      JSON.stringify({ ...good, image: 5 }),
      JSON.stringify({ ...good, image: 0 }),
    ]) {
      expect(parseParameters(text), text).toBeNull();
    }
    expect(parseParameters(JSON.stringify(good))).toEqual(good);
  });
});
