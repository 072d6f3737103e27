import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import type { Manifest } from "../../../web/src/api/models.ts";
import type { UNet } from "../../../web/src/diffusion/guidance";
import { samplingTimesteps, sigmaOf } from "../../../web/src/diffusion/schedule";
import { defaultGenerateParams, generateImages, passesPerImage } from "../../../web/src/inference/generate-job.ts";

const manifest = JSON.parse(readFileSync(new URL("../../fixtures/tiny/manifest.json", import.meta.url), "utf8")) as Manifest;
const { alphas_cumprod: alphasCumprod } = manifest.diffusion;

/** A UNet that predicts zero and records the rows of every call. */
function recordingUNet() {
  const rows: number[] = [];
  const unet: UNet = async (x, _t, labels) => {
    rows.push(labels.length);
    return new Float32Array(x.length);
  };
  return { unet, rows };
}

describe("defaultGenerateParams", () => {
  it("starts from the sampling the manifest names, any class", () => {
    const generate = { sampler: "ddim" as const, steps: 5, guidance: 2.5, guidance_interval: null };
    const params = defaultGenerateParams({ ...manifest, defaults: { ...manifest.defaults, generate } });
    expect(params).toMatchObject({ classLabel: "random", sampler: "ddim", steps: 5, guidance: 2.5, guidanceInterval: null });
  });

  it("runs a model without classes unguided, on its null class", () => {
    const params = defaultGenerateParams({ ...manifest, classes: { names: [], null_class: 0 } });
    expect(params).toMatchObject({ classLabel: 0, guidance: 1 });
  });
});

describe("generateImages", () => {
  const params = { ...defaultGenerateParams(manifest), count: 3 };
  const steps = params.steps;

  it("at the defaults, runs both guidance passes only at the steps inside the guidance interval", async () => {
    const { unet, rows } = recordingUNet();
    await generateImages(unet, manifest, params, async () => {});
    const [lo, hi] = params.guidanceInterval!;
    const guided = samplingTimesteps(steps, alphasCumprod).map((t) => lo < sigmaOf(alphasCumprod[t]) && sigmaOf(alphasCumprod[t]) <= hi);
    expect(guided.some(Boolean)).toBe(true);
    expect(guided.every(Boolean)).toBe(false);
    expect(rows).toEqual(guided.map((inside) => (inside ? 6 : 3)));
    expect(passesPerImage(manifest, params)).toBe(rows.reduce((a, b) => a + b) / 3);
  });

  it("counts the passes each setting runs: unguided, unconditional, guided throughout, a student's own steps", async () => {
    const student = {
      ...manifest,
      defaults: { ...manifest.defaults, generate: { ...manifest.defaults.generate, steps: 3, timesteps: [90, 40, 7] } },
    };
    for (const [model, settings] of [
      [manifest, { ...params, guidance: 1 }],
      [manifest, { ...params, classLabel: manifest.classes.null_class }],
      [manifest, { ...params, guidanceInterval: null }],
      [student, { ...params, steps: 3, guidance: 1 }],
      [student, { ...params, steps: 3, guidance: 2, guidanceInterval: null }],
    ] as const) {
      const { unet, rows } = recordingUNet();
      await generateImages(unet, model, settings, async () => {});
      expect(passesPerImage(model, settings)).toBe(rows.reduce((a, b) => a + b) / 3);
    }
  });

  it("guides every step when there is no interval", async () => {
    const { unet, rows } = recordingUNet();
    await generateImages(unet, manifest, { ...params, guidanceInterval: null }, async () => {});
    expect(rows).toEqual(new Array(steps).fill(6));
  });

  it("draws the same classes and images from the same seed, and reports every step", async () => {
    const runs = await Promise.all(
      [0, 0, 1].map(async (seed) => {
        const steps: number[] = [];
        const out = await generateImages(
          recordingUNet().unet,
          manifest,
          { ...params, count: 8, seed },
          async (p) => void steps.push(p.step),
        );
        return { ...out, steps };
      }),
    );
    expect(runs[0].labels).toEqual(runs[1].labels);
    expect(runs[0].images).toEqual(runs[1].images);
    expect(runs[0].images).not.toEqual(runs[2].images);
    for (const label of runs[0].labels) expect(label).toBeLessThan(manifest.classes.null_class);
    expect(runs[0].steps).toEqual(Array.from({ length: steps }, (_, i) => i + 1));
  });

  it("refuses a class the model does not have", async () => {
    await expect(generateImages(recordingUNet().unet, manifest, { ...params, classLabel: 99 }, async () => {})).rejects.toThrow(
      /class 99 is not one/,
    );
  });
});
