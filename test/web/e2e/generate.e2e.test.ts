/** Generation on WASM against the built page under wrangler dev, in a Chromium without WebGPU. */
import type { BrowserContext, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { launch, openPage, recordRequests } from "../../../scripts/lib/site.ts";
import { generate, maxLevelDiff, waitForBackend } from "./page.ts";

const baseUrl = inject("baseUrl");
let context: BrowserContext;
let close: () => Promise<void>;
let requests: string[];
let page: Page;
let badge: { text: string; detail: string };

beforeAll(async () => {
  ({ context, close } = await launch());
  requests = recordRequests(context);
  page = await openPage(context, baseUrl);
  badge = await waitForBackend(page);
});
afterAll(() => close?.());

describe("generate on WASM", () => {
  it("falls back to WASM with threads and says what that means, the technical reason in the tooltip", () => {
    // Headless Chromium without --enable-unsafe-webgpu has no adapter; the page is cross-origin isolated.
    expect(badge.text).toBe("Running on your CPU; a browser with WebGPU would be faster");
    expect(badge.detail).toMatch(/^WASM, 2 threads \((fp32|int8)\): .*WebGPU/);
  });

  it("gives finite, varied images and the same images again for the same seed", async () => {
    const settings = { classLabel: "Any (a random class per image)", count: 4, steps: 8, seed: 7 };
    const first = await generate(page, settings);
    expect(first).toHaveLength(4);
    // Varied: no two images alike, and each has structure (not one flat colour).
    for (let i = 0; i < first.length; i++) {
      for (let j = i + 1; j < first.length; j++) expect(maxLevelDiff([first[i]], [first[j]])).toBeGreaterThan(32);
      expect(new Set(first[i]).size).toBeGreaterThan(16);
    }
    const again = await generate(page, settings);
    expect(maxLevelDiff(again, first)).toBe(0);
    const other = await generate(page, { ...settings, seed: 8 });
    expect(maxLevelDiff(other, first)).toBeGreaterThan(32);
  });

  it("cancels a run, leaving the page ready for the next", async () => {
    const form = page.locator("form", { has: page.getByRole("button", { name: "Generate", exact: true }) });
    await form.getByLabel("Images").fill("16");
    await form.getByLabel("Steps").fill("100");
    await page.getByRole("button", { name: "Generate", exact: true }).click();
    await page.getByText(/Step [1-9]\d* of 100/).waitFor();
    await page.getByRole("button", { name: "Cancel" }).first().click();
    await page.getByRole("button", { name: "Generate", exact: true }).and(page.locator(":enabled")).waitFor();
    expect(await page.getByText("Step 100 of 100").count()).toBe(0);
    expect(await page.locator("section[aria-labelledby=generate-title] [role=alert]").count()).toBe(0);
  });

  it("starts from the weight cache on a second visit, and fetches again when the cached copy is corrupt", async () => {
    const weightRequests = () => requests.filter((url) => url.includes("/api/weights/")).length;
    const before = weightRequests();
    expect(before).toBe(1);
    await page.reload();
    await waitForBackend(page);
    expect(weightRequests()).toBe(before);

    await page.evaluate(async () => {
      const cache = await caches.open("edge-diffusion-weights-v1");
      for (const key of await cache.keys()) await cache.put(key, new Response(new Uint8Array(1000)));
    });
    await page.reload();
    await waitForBackend(page);
    expect(weightRequests()).toBe(before + 1);
  });

  it("sends no request beyond the local site", () => {
    expect(requests.length).toBeGreaterThan(5);
    const outside = requests.filter((url) => !url.startsWith(`${baseUrl}/`) && !url.startsWith("blob:") && !url.startsWith("data:"));
    expect(outside).toEqual([]);
  });
});
