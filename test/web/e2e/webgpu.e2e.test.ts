/**
 * The WebGPU path, on headless Chromium's SwiftShader adapter (correct but slow: tiny model, two
 * images, three steps), against the WASM path on the same page and seed.
 */
import type { BrowserContext } from "playwright-core";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { launch, openPage } from "../../../scripts/lib/site.ts";
import { generate, maxLevelDiff, waitForBackend } from "./page.ts";

const baseUrl = inject("baseUrl");
let context: BrowserContext;
let close: () => Promise<void>;

beforeAll(async () => {
  ({ context, close } = await launch({ webgpu: true }));
});
afterAll(() => close?.());

describe("WebGPU", () => {
  it("gives the same images as WASM within a tolerance", async () => {
    const settings = { classLabel: "disc", count: 2, steps: 3, sampler: "DDIM", guidance: 1, seed: 3 };
    const gpuPage = await openPage(context, `${baseUrl}/?backend=webgpu`);
    expect(await waitForBackend(gpuPage)).toEqual({
      text: "Running on your graphics card",
      detail: expect.stringMatching(/^WebGPU \(fp(16|32)\)$/),
    });
    const onGpu = await generate(gpuPage, settings);

    const cpuPage = await openPage(context, `${baseUrl}/?backend=wasm`);
    expect((await waitForBackend(cpuPage)).detail).toMatch(/^WASM/);
    const onCpu = await generate(cpuPage, settings);

    // Same noise, same maths; only float32 rounding differs between the GPU and CPU kernels
    // (plus fp16 weights where the adapter has shader-f16), so a few 8-bit levels at most.
    const diff = maxLevelDiff(onGpu, onCpu);
    console.log(`WebGPU vs WASM: max difference ${diff} levels of 255`);
    expect(diff).toBeLessThanOrEqual(4);
    expect(maxLevelDiff([onGpu[0]], [onGpu[1]])).toBeGreaterThan(32);
  });
});
