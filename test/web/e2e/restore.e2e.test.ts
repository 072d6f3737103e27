/** The demo path of Restore ("Damage a sample on purpose") on WASM: bad files, and inpainting a hole with the diffusion prior. */
import type { Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { canvasPixels, horizontalOverflow, openRestoreTab } from "./page.ts";

const baseUrl = inject("baseUrl");
let close: () => Promise<void>;
let page: Page;

beforeAll(async () => {
  ({ page, close } = await openRestoreTab(baseUrl));
  await page.getByLabel("Damage a sample on purpose").check();
});
afterAll(() => close?.());

/** PSNR in dB over the RGB bytes of two RGBA images. */
function psnr(a: number[], b: number[]): number {
  let sum = 0;
  let n = 0;
  for (let i = 0; i < a.length; i++) {
    if (i % 4 === 3) continue;
    sum += (a[i] - b[i]) ** 2;
    n++;
  }
  return 10 * Math.log10((255 * 255) / (sum / n));
}

describe("restore", () => {
  it("says clearly that a non-image file is not an image", async () => {
    await page.getByTestId("upload").setInputFiles({ name: "notes.txt", mimeType: "text/plain", buffer: Buffer.from("not a picture") });
    await expect
      .poll(() => page.getByTestId("restore-error").textContent())
      .toMatch(/notes\.txt \(text\/plain\) is not an image .*PNG, JPEG/);
  });

  it("crops and resizes an uploaded picture to the model's resolution", async () => {
    await page.getByTestId("upload").setInputFiles("test/fixtures/tiny/samples.png");
    await page.getByTestId("restore-before").waitFor();
    expect(await page.getByTestId("restore-error").count()).toBe(0);
    const [before] = await canvasPixels(page, "[data-testid=restore-before]");
    expect(before).toHaveLength(16 * 16 * 4);
    expect(new Set(before).size).toBeGreaterThan(16);
  });

  it("fills a masked hole with the mean of two candidates: the hole is filled, known pixels stay", async () => {
    await page.getByRole("button", { name: "Sample an image from the model" }).click();
    await page.getByText(/Damage a sample \(/).waitFor();
    // Nothing is damaged yet: the damaged image is the original, and its (infinite) PSNR reads as a dash.
    expect(await page.getByTestId("restore-psnr").textContent()).toBe("Closeness to the original (PSNR, higher is closer): before –");
    await page.getByRole("button", { name: "Hole in the middle" }).click();
    const form = page.locator("[data-testid=demo-restore] form");
    await form.getByLabel("Steps").fill("20");
    await form.getByLabel("Resampling (RePaint)").fill("2");
    await form.getByLabel("Average of").fill("2");
    await form.getByLabel("Seed").fill("1");
    await page.getByRole("button", { name: "Restore", exact: true }).click();
    await page.getByTestId("restore-after").waitFor();

    // Before and after in one frame, a slider between them.
    await page.getByRole("slider", { name: /^The line between before and after/ }).waitFor();
    // The change is said with its sign; a drop comes with why it may still be the better picture.
    const said = (await page.getByTestId("restore-psnr").textContent()) ?? "";
    const [, was, now, change] = /before ([\d.]+) dB, after ([\d.]+) dB \(([+−][\d.]+) dB\)/.exec(said) ?? [];
    expect(Number(change.replace("−", "-"))).toBeCloseTo(Number(now) - Number(was), 0);
    expect(said.includes("lower is not always worse to the eye")).toBe(Number(now) < Number(was));
    const [original] = await canvasPixels(page, "[data-testid=restore-original]");
    const [masked] = await canvasPixels(page, "[data-testid=restore-before]");
    const [restored] = await canvasPixels(page, "[data-testid=restore-after]");
    // The tiny test model's samples are close to noise, which no fill can guess: PSNR is logged, not judged
    // (the photo evaluation judges the real model's fills, model/README.md).
    console.log(`inpainting PSNR: masked ${psnr(original, masked).toFixed(2)} dB, restored ${psnr(original, restored).toFixed(2)} dB`);
    let movedInHole = 0;
    for (let p = 0; p < 256; p++) {
      const [i, j] = [Math.floor(p / 16), p % 16];
      const inHole = i >= 4 && i < 12 && j >= 4 && j < 12;
      for (let c = 0; c < 3; c++) {
        const [now, was] = [restored[p * 4 + c], masked[p * 4 + c]];
        // Outside the hole (the centred 8x8 square), DDNM's last projection puts back the measurement.
        if (!inHole) expect(Math.abs(now - original[p * 4 + c])).toBeLessThanOrEqual(1);
        else movedInHole += Math.abs(now - was) / (64 * 3);
      }
    }
    // In the hole, the mid-gray the visitor saw is replaced by what the known pixels around it suggest.
    expect(movedInHole).toBeGreaterThan(10);
  });

  it("on a 390 px phone, puts the comparison beside the original instead of stacking three images", async () => {
    await page.setViewportSize({ width: 390, height: 844 });
    const comparison = (await page.locator("[data-testid=demo-restore] .before-after").boundingBox())!;
    const original = (await page.locator("figure", { has: page.getByTestId("restore-original") }).boundingBox())!;
    expect(original.y).toBe(comparison.y);
    expect(original.x).toBeGreaterThan(comparison.x + comparison.width);
    expect(await horizontalOverflow(page)).toBe(0);
  });
});
