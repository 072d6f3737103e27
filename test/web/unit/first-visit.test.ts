/** What a first-time visitor reads before using anything: the introduction, where the model runs, numbers in words. */
import { readFileSync } from "node:fs";
import { h } from "preact";
import { renderToString } from "preact-render-to-string";
import { describe, expect, it } from "vitest";
import type { Manifest } from "../../../web/src/api/models.ts";
import { describeBackend } from "../../../web/src/ui/BackendBadge.tsx";
import { Intro } from "../../../web/src/ui/Intro.tsx";
import { formatCount, formatDate, formatPsnr } from "../../../web/src/ui/shared/format.ts";

const fixture = JSON.parse(readFileSync("test/fixtures/tiny/manifest.json", "utf8")) as Manifest;
const cifar: Manifest = {
  ...fixture,
  image: { ...fixture.image, size: 32 },
  classes: { names: ["airplane", "automobile", "bird", "cat", "deer", "dog", "frog", "horse", "ship", "truck"], null_class: 10 },
  training: { dataset: "CIFAR-10 (train)" },
};
const text = (html: string) => html.replace(/<[^>]+>/g, "");

describe("Intro", () => {
  it("says what the model learned from, what it can and cannot do, why it matters, and links to the details", () => {
    const html = renderToString(h(Intro, { manifest: cifar, onStart: () => {} }));
    const words = text(html);
    expect(words).toContain("runs entirely on your device");
    expect(words).toContain(
      "CIFAR-10, small photos of 10 kinds of things (airplane, automobile, bird, cat, deer, dog, frog, horse, ship, truck), 32×32 pixels each",
    );
    expect(words).toContain("What it can do:");
    expect(words).toContain("What it cannot:");
    expect(words).toContain("Why it is interesting:");
    expect(html).toContain('<a href="#model">');
    // Something to do on the first screen, not only words.
    expect(html).toMatch(/<button type="button">Fix my photo<\/button>/);
    expect(html).toMatch(/<button type="button">Generate pictures<\/button>/);
  });

  it("says where it runs before the model is known", () => {
    const words = text(renderToString(h(Intro, { manifest: null, onStart: () => {} })));
    expect(words).toContain("runs entirely on your device");
    expect(words).not.toContain("learned from");
  });
});

describe("describeBackend", () => {
  it("says in words what the backend means for the visitor, the technical detail apart", () => {
    expect(describeBackend({ kind: "wasm", threads: 2, variant: "fp32", fallbackReason: "no WebGPU adapter is available" })).toEqual({
      text: "Running on your CPU; a browser with WebGPU would be faster",
      detail: "WASM, 2 threads (fp32): no WebGPU adapter is available",
    });
    expect(describeBackend({ kind: "wasm", threads: 1, variant: "int8" })).toEqual({
      text: "Running on your CPU",
      detail: "WASM, 1 thread (int8)",
    });
    const weightsNote = "this version has no int8 weights";
    expect(
      describeBackend({ kind: "wasm", threads: 2, variant: "fp32", fallbackReason: "this browser has no WebGPU", weightsNote }),
    ).toEqual({
      text: "Running on your CPU; a browser with WebGPU would be faster",
      detail: "WASM, 2 threads (fp32): this browser has no WebGPU; this version has no int8 weights",
    });
    expect(describeBackend({ kind: "webgpu", threads: 2, variant: "fp16" })).toEqual({
      text: "Running on your graphics card",
      detail: "WebGPU (fp16)",
    });
  });
});

describe("format", () => {
  it("writes dates, counts and PSNRs for people", () => {
    expect(formatDate("2026-11-29T13:34:50Z")).toBe("29 Nov 2026");
    expect(formatDate("2026-11-29T23:59:59Z")).toBe("29 Nov 2026");
    expect(formatCount(1745443)).toBe("1.7 million");
    expect(formatCount(248000)).toBe("248,000");
    expect(formatPsnr(20.504)).toBe("20.5 dB");
    // An undamaged image is identical to its original: an infinite PSNR reads as a dash.
    expect(formatPsnr(Infinity)).toBe("–");
  });
});
