/** What the tests read from and do on the page. */
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import type { AxeResults } from "axe-core";
import type { BrowserContext, Locator, Page } from "playwright-core";
import { launch, openPage } from "../../../scripts/lib/site.ts";

/** Waits until the model is loaded: the backend badge's words, and its technical detail (its tooltip). */
export async function waitForBackend(page: Page): Promise<{ text: string; detail: string }> {
  const badge = page.getByTestId("backend");
  await page.waitForFunction(() => document.querySelector("[data-testid=backend]")?.getAttribute("data-kind"), null, { timeout: 60_000 });
  await page.getByRole("button", { name: "Generate", exact: true }).and(page.locator(":enabled")).waitFor({ timeout: 60_000 });
  return { text: (await badge.textContent()) ?? "", detail: (await badge.getAttribute("title")) ?? "" };
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
  await form.getByLabel("Steps", { exact: true }).fill(String(settings.steps));
  if (settings.sampler) await form.getByLabel("Sampler").selectOption({ label: settings.sampler });
  if (settings.guidance !== undefined) await form.getByRole("slider", { name: /Guidance/ }).fill(String(settings.guidance));
  await form.getByLabel("Seed").fill(String(settings.seed));
  await page.getByRole("button", { name: "Generate", exact: true }).click();
  await page.getByRole("button", { name: "Generate", exact: true }).and(page.locator(":enabled")).waitFor();
  const alert = page.locator("section[aria-labelledby=generate-title] [role=alert]");
  if (await alert.count()) throw new Error(`generation failed: ${await alert.textContent()}`);
  return canvasPixels(page, "[data-testid=generate-result] canvas");
}

/** A PNG decoded by the page's browser: its size and RGBA bytes. */
export function decodePng(page: Page, png: Uint8Array): Promise<{ width: number; height: number; rgba: number[] }> {
  return page.evaluate(async (base64) => {
    const bitmap = await createImageBitmap(new Blob([Uint8Array.from(atob(base64), (c) => c.charCodeAt(0))], { type: "image/png" }));
    const context = new OffscreenCanvas(bitmap.width, bitmap.height).getContext("2d")!;
    context.drawImage(bitmap, 0, 0);
    return { width: bitmap.width, height: bitmap.height, rgba: Array.from(context.getImageData(0, 0, bitmap.width, bitmap.height).data) };
  }, Buffer.from(png).toString("base64"));
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

/** How many CSS pixels the page is wider than its viewport (0: no sideways scrolling). */
export function horizontalOverflow(page: Page): Promise<number> {
  return page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
}

/** Whether the element is entirely within the viewport. */
export async function inViewport(page: Page, locator: Locator): Promise<boolean> {
  const box = await locator.boundingBox();
  const { height, width } = page.viewportSize()!;
  return box !== null && box.y >= 0 && box.x >= 0 && box.y + box.height <= height && box.x + box.width <= width;
}

/**
 * Serves the current model with the real default model's training record and evaluation, so the model
 * panel shows what visitors see (the tiny fixture has no evaluation); the UNet stays the fixture's.
 * Routed for the page's whole context: once the service worker controls a page, the page's requests
 * reach the network as the service worker's, which page.route does not see.
 */
export async function withDefaultModelsMetrics(page: Page): Promise<void> {
  const { training, metrics } = JSON.parse(readFileSync("model/weights/manifest.json", "utf8")) as { training: unknown; metrics: unknown };
  await page.context().route("**/api/models/current", async (route) => {
    const response = await route.fetch();
    const version = (await response.json()) as { manifest: Record<string, unknown> };
    await route.fulfill({ response, json: { ...version, manifest: { ...version.manifest, training, metrics } } });
  });
}

const AXE = createRequire(import.meta.url).resolve("axe-core/axe.min.js");

/**
 * A page of the site that axe-core can be injected into. The site's CSP allows only its own scripts,
 * so it is bypassed (through the DevTools protocol, as Playwright's bypassCSP option does) before the
 * page loads; the other tests keep the CSP.
 */
export async function openAuditablePage(context: BrowserContext, url: string): Promise<Page> {
  const page = await openPage(context, "about:blank");
  await (await context.newCDPSession(page)).send("Page.setBypassCSP", { enabled: true });
  await page.goto(url);
  return page;
}

/** axe-core's violations on the page as it is now, one line each: rule, impact, help, and where. */
export async function axeViolations(page: Page): Promise<string[]> {
  if (!(await page.evaluate(() => "axe" in window))) await page.addScriptTag({ path: AXE });
  const results = await page.evaluate(() =>
    (window as unknown as { axe: { run: (context: Document) => Promise<AxeResults> } }).axe.run(document),
  );
  return results.violations.map(
    (v) =>
      `${v.id} (${v.impact}): ${v.help} at ${v.nodes.map((node) => `${node.target.join(" ")}${node.failureSummary ? ` [${node.failureSummary.replaceAll("\n", " ")}]` : ""}`).join("; ")}`,
  );
}
