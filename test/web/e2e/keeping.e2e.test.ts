/**
 * Results worth keeping (issue 22), on WASM: a downloaded PNG carries the settings that made it (a
 * tEXt chunk "parameters"); dropped or chosen on the Generate tab it fills the form, and Generate makes
 * the same pixels again; files that cannot fill it are refused with the reason; the enlarged image steps
 * through the result with Previous, Next and the arrow keys. axe-core finds nothing on any of it.
 */
import { readFileSync } from "node:fs";
import type { Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { launch } from "../../../scripts/lib/site.ts";
import { formatParameters, type GenerateParameters, KEYWORD, parseParameters } from "../../../web/src/parameters.ts";
import { readText, withText } from "../../../web/src/png-text.ts";
import { axeViolations, canvasPixels, decodePng, generate, maxLevelDiff, openAuditablePage, waitForBackend } from "./page.ts";

const baseUrl = inject("baseUrl");
const SCALE = 8; // GeneratePanel's downloads: each pixel as 8x8
const SETTINGS = { classLabel: "Any (a random class per image)", count: 4, steps: 3, sampler: "DDIM", guidance: 2.5, seed: 11 };
/** SETTINGS as the form's fields hold them. */
const FIELDS = { class: "random", images: "4", steps: "3", sampler: "ddim", guidance: "2.5", seed: "11" };
const PLAIN_PNG = new Uint8Array(readFileSync("test/fixtures/photos/alpha.png"));
let close: () => Promise<void>;
let page: Page;
/** The third image of SETTINGS' batch, as downloaded from its dialog. */
let kept: { name: string; png: Uint8Array; pixels: number[] };

beforeAll(async () => {
  const launched = await launch();
  close = launched.close;
  page = await openAuditablePage(launched.context, `${baseUrl}/?backend=wasm`);
  await waitForBackend(page);
});
afterAll(() => close?.());

const form = () => page.locator("form", { has: page.getByRole("button", { name: "Generate", exact: true }) });
const tiles = () => page.locator("[data-testid=generate-result] figure");
const dialog = () => page.getByRole("dialog");
const status = () => page.getByTestId("settings-status");

async function expectNoViolations() {
  const violations = await axeViolations(page);
  expect(violations, `axe-core found:\n${violations.join("\n")}`).toEqual([]);
}

async function fields() {
  return {
    class: await form().getByLabel("Class").inputValue(),
    images: await form().getByLabel("Images").inputValue(),
    steps: await form().getByLabel("Steps").inputValue(),
    sampler: await form().getByLabel("Sampler").inputValue(),
    guidance: await form()
      .getByRole("slider", { name: /Guidance/ })
      .inputValue(),
    seed: await form().getByLabel("Seed").inputValue(),
  };
}

/** Drops a file on the tab's heading, as one dragged from the desktop would be. */
async function drop(name: string, bytes: Uint8Array, type = "image/png") {
  const dataTransfer = await page.evaluateHandle(
    ({ base64, name, type }) => {
      const transfer = new DataTransfer();
      transfer.items.add(new File([Uint8Array.from(atob(base64), (c) => c.charCodeAt(0))], name, { type }));
      return transfer;
    },
    { base64: Buffer.from(bytes).toString("base64"), name, type },
  );
  await page.getByRole("heading", { name: "Generate" }).dispatchEvent("drop", { dataTransfer });
}

/** Downloads what the button gives: its name, and its bytes. */
async function download(button: ReturnType<Page["getByRole"]>): Promise<{ name: string; png: Uint8Array }> {
  const [file] = await Promise.all([page.waitForEvent("download"), button.click()]);
  return { name: file.suggestedFilename(), png: new Uint8Array(readFileSync(await file.path())) };
}

/** The RGBA bytes of a downloaded image at the model's size (one pixel of each SCALE x SCALE block). */
async function modelPixels(png: Uint8Array): Promise<number[]> {
  const { width, height, rgba } = await decodePng(page, png);
  const out: number[] = [];
  for (let y = 0; y < height; y += SCALE)
    for (let x = 0; x < width; x += SCALE) out.push(...rgba.slice((y * width + x) * 4, (y * width + x) * 4 + 4));
  return out;
}

const parametersOf = (png: Uint8Array) => JSON.parse(readText(png, KEYWORD) ?? "null") as GenerateParameters | null;

describe("a downloaded PNG", () => {
  it("carries the settings that made it, and the image's place in its batch", async () => {
    const images = await generate(page, SETTINGS);
    await tiles().nth(2).getByRole("button").click();
    const { name, png } = await download(dialog().getByRole("button", { name: /^Download/ }));
    expect(parametersOf(png)).toEqual({
      model: "tiny-fixture",
      task: "generate",
      class: "random",
      seed: 11,
      steps: 3,
      sampler: "ddim",
      guidance: 2.5,
      images: 4,
      image: 3,
    });
    const pixels = await modelPixels(png);
    expect(maxLevelDiff([pixels], [images[2]])).toBe(0);
    kept = { name, png, pixels };
    await page.keyboard.press("Escape");

    // The grid is the whole batch: the same settings, no one image.
    const grid = await download(page.getByRole("button", { name: "Download grid (PNG)" }));
    const { image, ...batch } = parametersOf(kept.png)!;
    expect(image).toBe(3);
    expect(parametersOf(grid.png)).toEqual(batch);
  });

  it("dropped on the Generate tab, fills the form and says so; Generate makes the same image again", async () => {
    // Other settings and other images first, so nothing on the page is already what the file holds.
    await generate(page, { classLabel: "disc", count: 2, steps: 2, sampler: "DDPM (ancestral)", guidance: 0, seed: 1 });
    await drop(kept.name, kept.png);
    await expect.poll(fields).toEqual(FIELDS);
    expect(await status().textContent()).toBe(
      `Settings from ${kept.name}: a random class per image, seed 11, 3 steps, DDIM, guidance 2.5, image 3 of 4. Press Generate to make it again.`,
    );
    await expectNoViolations();

    await page.getByRole("button", { name: "Generate", exact: true }).click();
    await page.getByRole("button", { name: "Generate", exact: true }).and(page.locator(":enabled")).waitFor();
    const again = await canvasPixels(page, "[data-testid=generate-result] canvas");
    expect(again).toHaveLength(4);
    expect(maxLevelDiff([again[2]], [kept.pixels])).toBe(0);
  });

  it("chosen with the file button, fills the form too, and says when another model made it", async () => {
    const other = { ...parametersOf(kept.png)!, model: "another-model", seed: 12 };
    await page.getByTestId("settings-upload").setInputFiles({
      name: "other.png",
      mimeType: "image/png",
      buffer: Buffer.from(withText(PLAIN_PNG, KEYWORD, formatParameters(other))),
    });
    await expect.poll(fields).toEqual({ ...FIELDS, seed: "12" });
    expect(await status().textContent()).toMatch(
      /^Settings from other\.png: .* It was made by model another-model, and this is tiny-fixture: the images may differ\.$/,
    );
  });

  it("refuses a file it cannot take, says why, and leaves the form as it was", async () => {
    const before = await fields();
    const refusals: [string, Uint8Array, string, string][] = [
      ["notes.txt", new TextEncoder().encode("seed 5"), "text/plain", "it is not a PNG"],
      ["alpha.png", PLAIN_PNG, "image/png", 'it has no "parameters" text'],
    ];
    for (const [name, bytes, type, why] of refusals) {
      await drop(name, bytes, type);
      await expect
        .poll(() => status().textContent())
        .toMatch(new RegExp(`^No settings from ${name.replace(".", "\\.")}: ${why}.*; the form is unchanged\\.$`));
      expect(await status().getAttribute("class")).toBe("error");
      expect(await fields()).toEqual(before);
    }
    await expectNoViolations();
  });
});

describe("a restored photo's PNG", () => {
  it("carries what was set, and Generate refuses it as another task's", async () => {
    await page.getByRole("tab", { name: "Restore" }).click();
    await page.getByTestId("photo-upload").setInputFiles("test/fixtures/photos/alpha.png");
    const photoForm = page.locator("[data-testid=photo-restore] form");
    await photoForm.locator("legend", { hasText: "alpha.png" }).waitFor();
    await photoForm.getByLabel("Too small?").selectOption("2");
    await page.getByRole("button", { name: "Restore my photo" }).and(page.locator(":enabled")).click();
    // A busy machine may estimate the job as long: then the page asks for a second click.
    const downloadButton = page.getByRole("button", { name: /^Download the restored photo/ });
    await page.getByTestId("photo-long").or(downloadButton).first().waitFor({ timeout: 60_000 });
    if (await page.getByTestId("photo-long").isVisible()) await page.getByRole("button", { name: "Start anyway" }).click();
    const { name, png } = await download(downloadButton);
    expect(parseParameters(readText(png, KEYWORD) ?? "")).toMatchObject({
      model: "tiny-fixture",
      task: "restore",
      upscale: 2,
      mask: false,
      candidates: 1,
    });

    await page.getByRole("tab", { name: "Generate" }).click();
    const before = await fields();
    await drop(name, png);
    await expect
      .poll(() => status().textContent())
      .toBe(`No settings from ${name}: it is a photo restored by Fix my photo, whose settings are not this form's; the form is unchanged.`);
    expect(await fields()).toEqual(before);
  });
});

describe("the enlarged image", () => {
  const title = () => dialog().getByRole("heading").textContent();
  const previous = () => dialog().getByRole("button", { name: "Previous" });
  const next = () => dialog().getByRole("button", { name: "Next" });
  const focused = () => page.evaluate(() => document.activeElement?.textContent);

  it("steps through the result with Previous and Next, each disabled at its end", async () => {
    const images = await generate(page, SETTINGS);
    await tiles().first().getByRole("button").click();
    expect(await title()).toMatch(/^Image 1 of 4: /);
    expect(await previous().isDisabled()).toBe(true);
    await expectNoViolations();

    await next().click();
    expect(await title()).toMatch(/^Image 2 of 4: /);
    expect(await previous().isEnabled()).toBe(true);
    expect(await dialog().getByRole("img").getAttribute("aria-label")).toMatch(/^Generated image 2 of 4: .*, seed 11$/);
    expect(await dialog().locator("dl").textContent()).toContain("seed11 (image 2 of 4)");
    expect(maxLevelDiff(await canvasPixels(page, "[data-testid=image-dialog-image]"), [images[1]])).toBe(0);

    await next().click();
    await next().click();
    expect(await title()).toMatch(/^Image 4 of 4: /);
    expect(await next().isDisabled()).toBe(true);
    // The disabled button had the focus: it moved to the other one, not out of the dialog.
    expect(await focused()).toBe("Previous");
    expect(maxLevelDiff(await canvasPixels(page, "[data-testid=image-dialog-image]"), [images[3]])).toBe(0);
  });

  it("steps with the arrow keys, stops at the ends, and downloads the image it shows", async () => {
    await page.keyboard.press("ArrowRight"); // already the last
    expect(await title()).toMatch(/^Image 4 of 4: /);
    for (const expected of [3, 2, 1, 1]) {
      await page.keyboard.press("ArrowLeft");
      expect(await title()).toMatch(new RegExp(`^Image ${expected} of 4: `));
    }
    await page.keyboard.press("ArrowRight");
    expect(await title()).toMatch(/^Image 2 of 4: /);
    const { name, png } = await download(dialog().getByRole("button", { name: /^Download/ }));
    expect(name).toMatch(/-seed11-2\.png$/);
    expect(parametersOf(png)?.image).toBe(2);
    await page.keyboard.press("Escape");
    await dialog().waitFor({ state: "detached" });
    // Focus goes back to the image shown last (the second), not the first one opened.
    const focusedImage = () =>
      page.evaluate(() =>
        [...document.querySelectorAll("[data-testid=generate-result] button")].indexOf(document.activeElement as Element),
      );
    await expect.poll(focusedImage).toBe(1);
  });
});
