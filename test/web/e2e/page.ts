/** What the tests read from and do on the page. */
import type { Page } from "playwright-core";
import { launch, openPage } from "../../../scripts/lib/site.ts";

export async function waitForBackend(page: Page): Promise<string> {
  const badge = page.getByTestId("backend");
  await page.waitForFunction(() => document.querySelector("[data-testid=backend]")?.getAttribute("data-kind"), null, { timeout: 60_000 });
  await page.getByRole("button", { name: "Generate", exact: true }).and(page.locator(":enabled")).waitFor({ timeout: 60_000 });
  return (await badge.textContent()) ?? "";
}

/** RGBA bytes of every canvas under the selector, one array per canvas. */
export function canvasPixels(page: Page, selector: string): Promise<number[][]> {
  return page.$$eval(selector, (canvases) =>
    (canvases as HTMLCanvasElement[]).map((c) => Array.from(c.getContext("2d")!.getImageData(0, 0, c.width, c.height).data)),
  );
}

export interface GenerateSettings {
  classLabel?: string;
  count: number;
  steps: number;
  sampler?: string;
  guidance?: number;
  seed: number;
}

export async function generate(page: Page, settings: GenerateSettings): Promise<number[][]> {
  const form = page.locator("form", { has: page.getByRole("button", { name: "Generate", exact: true }) });
  if (settings.classLabel) await form.getByLabel("Class").selectOption({ label: settings.classLabel });
  await form.getByLabel("Images").fill(String(settings.count));
  await form.getByLabel("Steps").fill(String(settings.steps));
  if (settings.sampler) await form.getByLabel("Sampler").selectOption({ label: settings.sampler });
  if (settings.guidance !== undefined) await form.getByRole("slider", { name: /Guidance/ }).fill(String(settings.guidance));
  await form.getByLabel("Seed").fill(String(settings.seed));
  await page.getByRole("button", { name: "Generate", exact: true }).click();
  await page.getByRole("button", { name: "Generate", exact: true }).and(page.locator(":enabled")).waitFor();
  const alert = page.locator("section[aria-labelledby=generate-title] [role=alert]");
  if (await alert.count()) throw new Error(`generation failed: ${await alert.textContent()}`);
  return canvasPixels(page, "[data-testid=generate-result] canvas");
}

/** Largest difference between two sets of images, in 8-bit levels. */
export function maxLevelDiff(a: number[][], b: number[][]): number {
  return Math.max(...a.map((image, k) => Math.max(...image.map((v, i) => Math.abs(v - b[k][i])))));
}

/** Chromium on the page's Restore tab, on WASM, with the model loaded. */
export async function openRestoreTab(baseUrl: string): Promise<{ page: Page; close: () => Promise<void> }> {
  const { context, close } = await launch();
  const page = await openPage(context, `${baseUrl}/?backend=wasm`);
  await waitForBackend(page);
  await page.getByRole("tab", { name: "Restore" }).click();
  return { page, close };
}
