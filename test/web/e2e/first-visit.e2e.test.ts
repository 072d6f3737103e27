/**
 * The page as a first-time visitor meets it, at 1280x800 and on a 390x844 phone: what it is, results
 * labelled and enlarged, guidance explained, number fields that never send NaN, a page that neither
 * jumps nor scrolls sideways, and results that land on screen.
 */
import { readFileSync } from "node:fs";
import type { BrowserContext, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { launch, openPage } from "../../../scripts/lib/site.ts";
import { generate, horizontalOverflow, inViewport, waitForBackend, withDefaultModelsMetrics } from "./page.ts";

const baseUrl = inject("baseUrl");
const CLASSES = "(checkers|disc|gradient|stripes)";
let context: BrowserContext;
let close: () => Promise<void>;
let page: Page;
const consoleMessages: string[] = [];

beforeAll(async () => {
  ({ context, close } = await launch());
  page = await openPage(context, "about:blank");
  page.on("console", (message) => consoleMessages.push(`${message.type()}: ${message.text()}`));
  await page.setViewportSize({ width: 1280, height: 800 });
  await page.goto(`${baseUrl}/?backend=wasm`);
  await waitForBackend(page);
});
afterAll(() => close?.());

const form = () => page.locator("form", { has: page.getByRole("button", { name: "Generate", exact: true }) });
const tiles = () => page.locator("[data-testid=generate-result] figure");

/** The distinct left and top edges of the elements: how many columns and rows they are laid out in. */
async function columnsAndRows(locator: ReturnType<Page["locator"]>): Promise<[number, number]> {
  const boxes = await locator.evaluateAll((elements) =>
    elements.map((e) => e.getBoundingClientRect()).map((r) => [Math.round(r.left), Math.round(r.top)]),
  );
  return [new Set(boxes.map(([x]) => x)).size, new Set(boxes.map(([, y]) => y)).size];
}

describe("first visit at 1280x800", () => {
  it("says what the page is, and links to the model's details", async () => {
    const intro = page.locator("section.intro");
    expect(await intro.textContent()).toMatch(
      /runs entirely on your device.*small photos of 4 kinds of things \(checkers, disc, gradient, stripes\), 16×16 pixels each/,
    );
    expect(await intro.textContent()).toContain("What it cannot:");
    await intro.getByRole("link", { name: "How it was made and how well it does" }).click();
    await expect.poll(() => inViewport(page, page.getByRole("heading", { name: "About the model" }))).toBe(true);
    await page.evaluate(() => window.scrollTo(0, 0));
  });

  it("moves between the tabs with the arrow keys, one tab stop for the list", async () => {
    const tab = (name: string) => page.getByRole("tab", { name });
    await tab("Generate").focus();
    expect(await tab("Restore").getAttribute("tabindex")).toBe("-1");
    await page.keyboard.press("ArrowRight");
    expect(await tab("Restore").getAttribute("aria-selected")).toBe("true");
    expect(await tab("Restore").evaluate((element) => element === document.activeElement)).toBe(true);
    expect(await page.locator("#panel-restore").isVisible()).toBe(true);
    await page.keyboard.press("ArrowRight"); // wraps around
    expect(await tab("Generate").getAttribute("aria-selected")).toBe("true");
    expect(await page.locator("#panel-generate").isVisible()).toBe(true);
  });

  it("fits the class menu's choice in its field", async () => {
    const [text, room] = await form()
      .getByLabel("Class")
      .evaluate((select: HTMLSelectElement) => {
        const probe = document.createElement("span");
        probe.style.font = getComputedStyle(select).font;
        probe.textContent = select.selectedOptions[0].text;
        document.body.append(probe);
        const width = probe.getBoundingClientRect().width;
        probe.remove();
        // The menu's arrow takes about 1.5em of the field.
        return [width, select.clientWidth - 1.5 * parseFloat(getComputedStyle(select).fontSize)];
      });
    expect(text).toBeLessThanOrEqual(room);
  });

  it("labels each image with its class and seed, lays 16 out as 8x2, and enlarges one with its settings and a download", async () => {
    await generate(page, { classLabel: "Any (a random class per image)", count: 16, steps: 2, seed: 5 });
    expect(await tiles().count()).toBe(16);
    expect(await columnsAndRows(tiles())).toEqual([8, 2]);
    const captions = await tiles().locator("figcaption").allTextContents();
    for (const [i, caption] of captions.entries()) expect(caption).toMatch(new RegExp(`^${CLASSES}seed 5 · #${i + 1}$`));
    const alts = await tiles()
      .locator("canvas")
      .evaluateAll((canvases) => canvases.map((c) => c.getAttribute("aria-label")));
    for (const [i, alt] of alts.entries()) expect(alt).toMatch(new RegExp(`^Generated image ${i + 1} of 16: ${CLASSES}, seed 5$`));

    // A click enlarges instead of downloading; the dialog has the image's settings and the download.
    const third = tiles().nth(2).getByRole("button");
    await third.click();
    const dialog = page.getByRole("dialog", { name: /^Image 3 of 16: / });
    await dialog.waitFor();
    const cls = captions[2].match(new RegExp(`^${CLASSES}`))![1];
    expect(await dialog.locator("dl").textContent()).toBe(`class${cls}seed5 (image 3 of 16)steps2samplerDPM-Solver++(2M)guidance4.0`);
    const [download] = await Promise.all([
      page.waitForEvent("download"),
      dialog.getByRole("button", { name: "Download (PNG, 128×128)" }).click(),
    ]);
    expect(download.suggestedFilename()).toBe(`edge-diffusion-${cls}-seed5-3.png`);
    await page.keyboard.press("Escape");
    await dialog.waitFor({ state: "detached" });
    expect(await third.evaluate((button) => button === document.activeElement)).toBe(true);

    // The grid's PNG is laid out as the page shows it: 8 x 2 images of 16x16 pixels, each scaled x8.
    const [grid] = await Promise.all([page.waitForEvent("download"), page.getByRole("button", { name: "Download grid (PNG)" }).click()]);
    const png = readFileSync(await grid.path());
    expect([png.readUInt32BE(16), png.readUInt32BE(20)]).toEqual([8 * 16 * 8, 2 * 16 * 8]); // IHDR width, height
  });

  it("says next to the slider that guidance 0 ignores the class, and labels such images unconditional", async () => {
    const slider = form().getByRole("slider", { name: /Guidance/ });
    expect(await slider.getAttribute("aria-describedby")).toBe("guidance-hint");
    expect(await page.locator("#guidance-hint").textContent()).toBe(
      "0 = ignore the class (unconditional). Higher: more typical of the class, less varied.",
    );
    await generate(page, { classLabel: "disc", count: 2, steps: 2, guidance: 0, seed: 1 });
    expect(await form().locator("label[for=guidance]").textContent()).toBe("Guidance 0 · class ignored");
    expect(await tiles().locator(".name").allTextContents()).toEqual(["unconditional", "unconditional"]);
    await slider.fill("4");
  });

  it("keeps a cleared number field empty, never sends NaN, and asks for a number on submit", async () => {
    const images = form().getByLabel("Images");
    consoleMessages.length = 0;
    await images.fill("");
    expect(await images.inputValue()).toBe("");
    await page.getByRole("button", { name: "Generate", exact: true }).click();
    expect(await images.evaluate((input: HTMLInputElement) => input.validity.valueMissing)).toBe(true);
    expect(await page.locator("[data-testid=generate-preview], section[aria-labelledby=generate-title] progress").count()).toBe(0);
    await images.fill("4");
    expect(await images.inputValue()).toBe("4");
    expect(consoleMessages.filter((m) => m.includes("NaN"))).toEqual([]);
  });
});

describe("loading", () => {
  it.each([
    [1280, 800],
    [390, 844],
  ])("keeps the page still at %ix%i when the model finishes loading", async (width, height) => {
    // A first visit (a fresh profile: no weights in the cache), the weights held back a second so the
    // loading line is on screen long enough to measure.
    const first = await launch();
    try {
      await first.context.route("**/api/weights/**", async (route) => {
        await new Promise((resolve) => setTimeout(resolve, 1000));
        await route.continue();
      });
      const fresh = await openPage(first.context, "about:blank");
      await fresh.setViewportSize({ width, height });
      await fresh.goto(`${baseUrl}/?backend=wasm`);
      const tabs = fresh.getByRole("tablist");
      await tabs.waitFor();
      expect(await fresh.getByTestId("load-status").textContent()).toMatch(/^(Loading|Downloading) the model/);
      const loading = (await tabs.boundingBox())!.y;
      await waitForBackend(fresh);
      expect(await fresh.getByTestId("load-status").textContent()).toMatch(/^Ready: the model \([\d.]+ MB\) runs on your device\.$/);
      expect((await tabs.boundingBox())!.y).toBe(loading);
    } finally {
      await first.close();
    }
  });
});

describe("first visit on a 390x844 phone", () => {
  let phone: Page;

  beforeAll(async () => {
    phone = await openPage(context, "about:blank");
    await phone.setViewportSize({ width: 390, height: 844 });
    await withDefaultModelsMetrics(phone);
    await phone.goto(`${baseUrl}/?backend=wasm`);
    await waitForBackend(phone);
  });

  it("scrolls the results of Generate into view, laid out 4x4", async () => {
    expect(await horizontalOverflow(phone)).toBe(0);
    await generate(phone, { count: 16, steps: 2, seed: 2 });
    const grid = phone.getByTestId("generate-result");
    expect(await inViewport(phone, grid)).toBe(true);
    expect(await columnsAndRows(grid.locator("figure"))).toEqual([4, 4]);
    expect(await horizontalOverflow(phone)).toBe(0);
  });

  it("never scrolls sideways: not with the model's tables open, nor on the Restore tab", async () => {
    const panel = phone.getByTestId("model-panel");
    expect(await panel.getByTestId("model-summary").textContent()).toMatch(/^A diffusion model of [\d.]+ million parameters/);
    await panel.locator("summary").click();
    expect(await panel.locator("table").count()).toBeGreaterThanOrEqual(2);
    expect(await panel.locator("caption").allTextContents()).toEqual(
      expect.arrayContaining([expect.stringMatching(/^Generation, \d+ samples/), expect.stringMatching(/^Guidance, \d+ samples each/)]),
    );
    expect(await horizontalOverflow(phone)).toBe(0);

    await phone.getByRole("tab", { name: "Restore" }).click();
    expect(await horizontalOverflow(phone)).toBe(0);
    await phone.getByLabel("Damage a sample on purpose").check();
    await phone.getByTestId("upload").setInputFiles("test/fixtures/tiny/samples.png");
    await phone.getByTestId("restore-before").waitFor();
    expect(await horizontalOverflow(phone)).toBe(0);
  });
});
