/**
 * "Fix my photo" on WASM with the tiny fixture model (16x16 tiles): a 451x300 photo restored at its
 * own size, a scratch painted with the mouse, the PNG downloaded; no stale result; bad files.
 * The photo fixtures come from test/fixtures/photos/make.py.
 */
import { readFileSync } from "node:fs";
import { crc32, deflateSync } from "node:zlib";
import type { Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { canvasPixels, openRestoreTab } from "./page.ts";

const baseUrl = inject("baseUrl");
const PHOTOS = "test/fixtures/photos";
let close: () => Promise<void>;
let page: Page;

beforeAll(async () => {
  ({ page, close } = await openRestoreTab(baseUrl));
  // Counts every live preview that appears, and keeps every progress line shown, however briefly: a small
  // job can finish before a locator would see either.
  await page.evaluate(() => {
    const w = window as unknown as { previews: number; progressLines: Set<string> };
    w.previews = 0;
    w.progressLines = new Set();
    let shown = false;
    new MutationObserver(() => {
      const now = document.querySelector("[data-testid=photo-preview]") !== null;
      if (now && !shown) w.previews++;
      shown = now;
      for (const line of document.querySelectorAll(".progress [aria-live]")) w.progressLines.add(line.textContent ?? "");
    }).observe(document.body, { childList: true, subtree: true, characterData: true, attributes: true, attributeFilter: ["data-testid"] });
  });
});
afterAll(() => close?.());

const form = () => page.locator("[data-testid=photo-restore] form");
const previews = () => page.evaluate(() => (window as unknown as { previews: number }).previews);
const progressLines = () => page.evaluate(() => [...(window as unknown as { progressLines: Set<string> }).progressLines]);

async function upload(file: string | { name: string; mimeType: string; buffer: Buffer }) {
  await page.getByTestId("photo-upload").setInputFiles(typeof file === "string" ? `${PHOTOS}/${file}` : file);
}

/** Waits until the photo named `name` is loaded (its legend shows). */
async function loaded(name: string) {
  await form().locator("legend", { hasText: name }).waitFor();
}

/** The photo as the page shows it (the comparison's first layer), once it is drawn. */
async function shownPhoto(): Promise<number[]> {
  return (await canvasPixels(page, "[data-testid=photo-restore] .layers canvas:first-child"))[0] ?? [];
}

/** Sets the expert fields, behind Advanced. */
async function settings({ steps, resample = 1, candidates = 1 }: { steps: number; resample?: number; candidates?: number }) {
  const advanced = form().locator("details.advanced");
  if (!(await advanced.evaluate((d: HTMLDetailsElement) => d.open))) await advanced.locator("summary").click();
  await form().getByLabel("Steps", { exact: true }).fill(String(steps));
  await form().getByLabel("Resampling (RePaint)").fill(String(resample));
  await form().getByLabel("Average of").fill(String(candidates));
}

const restoreButton = () => page.getByRole("button", { name: "Restore my photo" }).and(page.locator(":enabled"));

/** Starts a restoration that may be estimated as long on a busy machine: then the second click the page asks for. */
async function startLongRun() {
  await restoreButton().click();
  await page.locator("[data-testid=photo-long], [data-testid=photo-restore] .progress").first().waitFor();
  if (await page.getByTestId("photo-long").isVisible()) await page.getByRole("button", { name: "Start anyway" }).click();
}

/** A PNG of width x height, all black, one bit per pixel: 10000x10000 in a few kilobytes. */
function blackPng(width: number, height: number): Buffer {
  const chunk = (type: string, data: Buffer) => {
    const body = Buffer.concat([Buffer.from(type), data]);
    const length = Buffer.alloc(4);
    length.writeUInt32BE(data.length);
    const crc = Buffer.alloc(4);
    crc.writeUInt32BE(crc32(body));
    return Buffer.concat([length, body, crc]);
  };
  const header = Buffer.alloc(13);
  header.writeUInt32BE(width, 0);
  header.writeUInt32BE(height, 4);
  header.set([1, 0, 0, 0, 0], 8); // bit depth 1, grayscale, deflate, no filter, no interlace
  const rows = Buffer.alloc(height * (1 + Math.ceil(width / 8))); // filter byte 0 and black pixels
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk("IHDR", header),
    chunk("IDAT", deflateSync(rows)),
    chunk("IEND", Buffer.alloc(0)),
  ]);
}

/** Decodes a PNG in the page: its size and RGBA bytes. */
function decodeInPage(png: Buffer): Promise<{ width: number; height: number; rgba: number[] }> {
  return page.evaluate(async (base64) => {
    const bytes = Uint8Array.from(atob(base64), (c) => c.charCodeAt(0));
    const bitmap = await createImageBitmap(new Blob([bytes], { type: "image/png" }));
    const context = new OffscreenCanvas(bitmap.width, bitmap.height).getContext("2d")!;
    context.drawImage(bitmap, 0, 0);
    return { width: bitmap.width, height: bitmap.height, rgba: Array.from(context.getImageData(0, 0, bitmap.width, bitmap.height).data) };
  }, png.toString("base64"));
}

/**
 * Downloads the restored photo (`name`-restored.png, width x height) and compares it with the photo as
 * shown: the worst change, in levels, where nothing was lost, and the mean change where it was.
 */
async function compareDownload(name: string, width: number, height: number, lost: (pixel: number) => boolean) {
  const [download] = await Promise.all([
    page.waitForEvent("download"),
    page.getByRole("button", { name: new RegExp(`Download the restored photo \\(PNG, ${width}×${height}\\)`) }).click(),
  ]);
  expect(download.suggestedFilename()).toBe(`${name}-restored.png`);
  const restored = await decodeInPage(readFileSync((await download.path())!));
  expect([restored.width, restored.height]).toEqual([width, height]);
  const [input] = await canvasPixels(page, "[data-testid=photo-before]");
  let worstOutside = 0;
  let changedInside = 0;
  let lostCount = 0;
  for (let p = 0; p < width * height; p++) {
    const diff = Math.max(...[0, 1, 2].map((c) => Math.abs(restored.rgba[p * 4 + c] - input[p * 4 + c])));
    if (lost(p)) {
      changedInside += diff;
      lostCount++;
    } else worstOutside = Math.max(worstOutside, diff);
  }
  return { worstOutside, meanInside: changedInside / lostCount };
}

describe("fix my photo", () => {
  it("is what the Restore tab offers first", async () => {
    expect(await page.getByLabel("Fix my photo").isChecked()).toBe(true);
    await page.getByTestId("photo-upload").waitFor({ state: "attached" });
  });

  it("restores a 451x300 photo at its own size: a scratch painted with the mouse is filled, the rest stays, the PNG is 451x300", async () => {
    await upload("photo.png");
    await loaded("photo.png (451×300)");
    // A clean PNG: the estimate is shown, and not used.
    await expect.poll(() => form().textContent(), { timeout: 10_000 }).toMatch(/estimated: [0-2]\/255/);
    expect(await page.getByTestId("noise-level").textContent()).toBe("0/255");

    // The mouse reaches only what is on screen.
    await page.getByTestId("mask-canvas").evaluate((canvas) => canvas.scrollIntoView({ block: "center" }));
    const box = (await page.getByTestId("mask-canvas").boundingBox())!;
    await page.mouse.move(box.x + box.width * 0.1, box.y + box.height * 0.3);
    await page.mouse.down();
    await page.mouse.move(box.x + box.width * 0.5, box.y + box.height * 0.6, { steps: 12 });
    await page.mouse.up();
    const [overlay] = await canvasPixels(page, "[data-testid=mask-canvas]");
    expect(overlay).toHaveLength(451 * 300 * 4);
    const painted = (p: number) => overlay[p * 4 + 3] > 0;
    const paintedCount = Array.from({ length: 451 * 300 }, (_, p) => p).filter(painted).length;
    // A stroke of about 200 pixels with a brush of 7: about 1,400 pixels, at the photo's own resolution.
    expect(paintedCount).toBeGreaterThan(800);
    expect(paintedCount).toBeLessThan(4000);

    // Inpainting starts from the fill of the lost pixels, partly noised: 16 steps over the whole schedule are 4 below it.
    await settings({ steps: 16 });
    // Only the tiles that hold a lost pixel run: of the 600 on the shifted grid (30 x 20 tiles of 16), those along the stroke.
    const estimate = /On this device: .* \(4 UNet passes over (\d+) tiles of 16×16\)/;
    await expect.poll(() => page.getByTestId("photo-estimate").textContent(), { timeout: 10_000 }).toMatch(estimate);
    const tiles = Number(estimate.exec((await page.getByTestId("photo-estimate").textContent()) ?? "")![1]);
    expect(tiles).toBeGreaterThan(10);
    expect(tiles).toBeLessThan(600);
    const before = await previews();
    await restoreButton().click();
    await page.getByTestId("photo-after").waitFor();
    const running = new RegExp(`Restoring: Step \\d+ of 4 · [\\d,]+ of ${(4 * tiles).toLocaleString("en")} tiles`);
    expect((await progressLines()).some((line) => running.test(line))).toBe(true);
    expect(await previews()).toBeGreaterThan(before);

    const { worstOutside, meanInside } = await compareDownload("photo", 451, 300, painted);
    console.log(`photo: worst change outside the scratch ${worstOutside} levels, mean change inside ${meanInside.toFixed(1)}`);
    expect(worstOutside).toBeLessThanOrEqual(2);
    expect(meanInside).toBeGreaterThan(3);
  });

  it("restores two spots painted far apart on a window each, one after the other: both change, the rest stays", async () => {
    await upload("photo.png");
    await loaded("photo.png (451×300)");
    await page.getByTestId("mask-canvas").evaluate((canvas) => canvas.scrollIntoView({ block: "center" }));
    const box = (await page.getByTestId("mask-canvas").boundingBox())!;
    for (const [x, y] of [
      [0.1, 0.15],
      [0.85, 0.8],
    ]) {
      await page.mouse.move(box.x + box.width * x, box.y + box.height * y);
      await page.mouse.down();
      await page.mouse.move(box.x + box.width * (x + 0.05), box.y + box.height * (y + 0.05), { steps: 4 });
      await page.mouse.up();
    }
    const [overlay] = await canvasPixels(page, "[data-testid=mask-canvas]");
    const painted = (p: number) => overlay[p * 4 + 3] > 0;
    await settings({ steps: 16 });
    const earlier = new Set(await progressLines());
    await restoreButton().click();
    await page.getByTestId("photo-after").waitFor();
    // Each window runs the 4 steps below the fill's noise level: 8 in all, counted from the start.
    const lines = (await progressLines()).filter((line) => !earlier.has(line));
    expect(lines.some((line) => /Restoring: Step [5-8] of 8 /.test(line))).toBe(true);
    expect(lines.some((line) => /Step \d+ of 4 /.test(line))).toBe(false);
    const { worstOutside } = await compareDownload("photo", 451, 300, painted);
    expect(worstOutside).toBeLessThanOrEqual(2);
    for (const left of [true, false]) {
      const { meanInside } = await compareDownload("photo", 451, 300, (p) => painted(p) && p % 451 < 225 === left);
      console.log(`two spots: mean change inside the ${left ? "left" : "right"} one ${meanInside.toFixed(1)} levels`);
      expect(meanInside).toBeGreaterThan(3);
    }
  });

  it("removes a 48 px object from a drawn picture: the lost square changes, the rest stays, the size is kept", async () => {
    await upload("character.png");
    await loaded("character.png (192×128)");
    await page.getByTestId("mask-upload").setInputFiles(`${PHOTOS}/character-mask.png`);
    const lostPixels = async () => (await canvasPixels(page, "[data-testid=mask-canvas]"))[0].filter((v, i) => i % 4 === 3 && v > 0).length;
    await expect.poll(lostPixels, { timeout: 10_000 }).toBe(48 * 48);
    const [overlay] = await canvasPixels(page, "[data-testid=mask-canvas]");
    await settings({ steps: 16 });
    await restoreButton().click();
    await page.getByTestId("photo-after").waitFor();
    const { worstOutside, meanInside } = await compareDownload("character", 192, 128, (p) => overlay[p * 4 + 3] > 0);
    console.log(`character: worst change outside the 48x48 square ${worstOutside} levels, mean change inside ${meanInside.toFixed(1)}`);
    expect(worstOutside).toBeLessThanOrEqual(2);
    // The sword was light gray and black on a sky blue: its square now holds something else.
    expect(meanInside).toBeGreaterThan(10);
  });

  it("never shows an old photo's result as a new photo's After, and shows a live preview while a run goes", async () => {
    await settings({ steps: 40 });
    let before = await previews();
    await startLongRun();
    await expect.poll(previews, { timeout: 30_000 }).toBeGreaterThan(before);
    // A new photo while the restoration runs: asked first, then the old one is stopped and shown nowhere.
    await upload("alpha.png");
    await page.getByRole("button", { name: "Stop and open alpha.png" }).click();
    await loaded("alpha.png (96×64)");
    // A clean photo has nothing to restore until the visitor says what is wrong.
    expect(await page.getByTestId("photo-estimate").textContent()).toContain("Nothing is wrong with it yet");
    await form().getByRole("slider", { name: /Noise/ }).fill("20");
    await page.getByRole("button", { name: "Restore my photo" }).and(page.locator(":enabled")).waitFor();
    await page.waitForTimeout(1000);
    expect(await page.getByTestId("photo-after").count()).toBe(0);
    expect(await page.getByTestId("photo-preview").count()).toBe(0);

    // One job at a time: while a run goes, its button cannot start another; after Cancel, a new run shows
    // only its own result, at the new photo's size. Resampled 10 times, so that the run is surely still going.
    await settings({ steps: 40, resample: 10 });
    before = await previews();
    await startLongRun();
    await expect.poll(previews, { timeout: 30_000 }).toBeGreaterThan(before);
    expect(await page.getByRole("button", { name: "Restore my photo" }).isDisabled()).toBe(true);
    await form().getByRole("button", { name: "Cancel" }).click();
    // Cancel says so, and keeps the last preview on screen.
    await expect
      .poll(() => page.getByTestId("job-cancelled").textContent())
      .toMatch(/^Cancelled at step \d+ of \d+ \([\d,]+ of [\d,]+ tiles\), its last preview kept below\. Start again$/);
    expect(await page.getByTestId("photo-preview").count()).toBe(1);
    // Denoising runs the steps below the photo's noise of 20/255: 40 asked are 6 run, 20 are 3. The
    // cancelled line starts the form again, as set.
    await settings({ steps: 20 });
    await page.getByTestId("job-cancelled").getByRole("button", { name: "Start again" }).click();
    await page.getByTestId("photo-after").waitFor();
    const [after] = await canvasPixels(page, "[data-testid=photo-after]");
    expect(after).toHaveLength(96 * 64 * 4);
    expect(await page.getByText(/Step \d+ of 6/).count()).toBe(0);
  });

  it("enlarges x2 for real, and with an average of 2 shows where the restoration is unsure beside the result", async () => {
    await settings({ steps: 3, candidates: 2 });
    await form().getByLabel("Too small?").selectOption({ label: "Enlarge ×2 (192×128)" });
    await restoreButton().click();
    await page.getByRole("button", { name: /Download the restored photo \(PNG, 192×128\)/ }).waitFor();
    const [after] = await canvasPixels(page, "[data-testid=photo-after]");
    expect(after).toHaveLength(192 * 128 * 4);
    // The pixels between the measured ones are the model's guesses: the two candidates differ there.
    const [spread] = await canvasPixels(page, "[data-testid=photo-spread]");
    expect(spread).toHaveLength(192 * 128 * 4);
    expect(new Set(spread).size).toBeGreaterThan(8);
    const legend = await page.locator(".spread-map figcaption").textContent();
    expect(legend).toContain("How much the 2 restorations differ at each pixel");
    expect(legend).toMatch(/0\d+\/255 or more$/);
    await form().getByLabel("Too small?").selectOption({ label: "Keep its size (96×64)" });
  });

  it("starts each photo from the defaults: x4, steps and averaging chosen for one photo do not carry over", async () => {
    // The tiny model's photo defaults; the form may show them a render after the photo's name.
    const { restore_photo } = JSON.parse(readFileSync("test/fixtures/tiny/manifest.json", "utf8")).defaults as {
      restore_photo: { steps: number };
    };
    const defaults = [String(restore_photo.steps), "1"];
    const effort = () => Promise.all(["Steps", "Average of"].map((label) => form().getByLabel(label, { exact: true }).inputValue()));
    await upload("photo.png");
    await loaded("photo.png (451×300)");
    await expect.poll(effort).toEqual(defaults);
    await form().getByLabel("Too small?").selectOption({ label: "Enlarge ×4 (1804×1200)" });
    await settings({ steps: 7, candidates: 3 });
    await upload("cmyk.jpg");
    await loaded("cmyk.jpg (120×80)");
    expect(await form().getByLabel("Too small?").inputValue()).toBe("1");
    await expect.poll(effort).toEqual(defaults);
    await expect.poll(() => page.getByTestId("photo-estimate").textContent()).toContain("Nothing is wrong with it yet");
  });

  it("says when a photo is too large: scaled to 1024 px, and a long job waits for a second click", async () => {
    const started = Date.now();
    await upload({ name: "huge.png", mimeType: "image/png", buffer: blackPng(10000, 10000) });
    await loaded("huge.png (1024×1024)");
    console.log(`10000x10000 PNG decoded to 1024x1024 in ${Date.now() - started} ms`);
    expect(await page.getByTestId("photo-notes").textContent()).toContain("Scaled down from 10000×10000 to 1024×1024");

    // x4 would not fit in memory even once: said on the choice itself, which cannot be picked; x2 (4 M pixels) fits.
    const choice = (text: string) => form().getByLabel("Too small?").locator("option", { hasText: text });
    expect(await choice("Enlarge ×4 (4096×4096): too large to restore here").isDisabled()).toBe(true);
    expect(await choice("Enlarge ×2 (2048×2048)").textContent()).toBe("Enlarge ×2 (2048×2048)");
    // Averaging 8 at its own size would hold 8 M pixels: refused before any work, with what to change.
    await settings({ steps: 100, candidates: 8 });
    await expect
      .poll(() => page.getByTestId("photo-estimate").textContent())
      .toBe("Averaging 8 restorations of a 1024×1024 result needs too much memory: average at most 4.");
    expect(await form().getByTestId("photo-average-refusal").textContent()).toContain("average at most 4");
    expect(await page.getByRole("button", { name: "Restore my photo" }).isDisabled()).toBe(true);

    // At its own size with 4 candidates it fits, but removing noise before colourising it (it is black and
    // white) takes long: colours alone are chosen on a small copy, quickly.
    await form().getByRole("slider", { name: /Noise/ }).fill("0");
    await settings({ steps: 100, candidates: 4 });
    await expect
      .poll(() => page.getByTestId("photo-estimate").textContent(), { timeout: 10_000 })
      .toMatch(/On this device: (under a second|about \d+ s) \(colours chosen in 400 tile passes\)/);
    await form().getByRole("slider", { name: /Noise/ }).fill("20");
    await expect
      .poll(() => page.getByTestId("photo-estimate").textContent(), { timeout: 10_000 })
      .toMatch(/On this device: about .* (min|h)/);
    await page.getByRole("button", { name: "Restore my photo" }).click();
    const warning = page.getByTestId("photo-long");
    await warning.waitFor();
    expect(await warning.textContent()).toMatch(/This will take about .* on this device/);
    expect(await page.getByText(/Restoring: Step/).count()).toBe(0);
    await warning.getByRole("button", { name: /Use \d+ steps instead/ }).click();
    // The field shows a value set from outside after its effect runs, a frame after the click.
    const steps = () => form().getByLabel("Steps", { exact: true }).inputValue().then(Number);
    await expect.poll(steps).toBeLessThan(100);
    expect(await steps()).toBeGreaterThanOrEqual(1);
    await form().getByLabel("Too small?").selectOption({ label: "Keep its size (1024×1024)" });
  });

  it.each([
    ["notes.txt", "text/plain", Buffer.from("not a picture"), /notes\.txt \(text\/plain\) is not an image .*PNG, JPEG/],
    ["empty.png", "image/png", Buffer.alloc(0), /empty\.png is empty \(0 bytes\)/],
    // Chromium decodes 20000x20000 (in about 3 s) but not 30000x30000.
    [
      "giant.png",
      "image/png",
      blackPng(30000, 30000),
      /giant\.png is 30000×30000 pixels, more than this browser can decode: scale it down/,
    ],
  ])("says clearly what is wrong with %s", async (name, mimeType, buffer, message) => {
    await upload({ name, mimeType, buffer });
    await expect.poll(() => page.getByTestId("photo-error").textContent(), { timeout: 10_000 }).toMatch(message);
  });

  it("suggests colourising a grayscale JPEG", async () => {
    await upload("gray.jpg");
    await loaded("gray.jpg (120×80)");
    expect(
      await form()
        .getByLabel(/Colourise/)
        .isChecked(),
    ).toBe(true);
    expect(await form().textContent()).toContain("this photo looks black and white");
  });

  it("reads a CMYK JPEG in colour", async () => {
    await upload("cmyk.jpg");
    await loaded("cmyk.jpg (120×80)");
    expect(
      await form()
        .getByLabel(/Colourise/)
        .isChecked(),
    ).toBe(false);
    // The yellow disc of make.py's scene (220, 180, 60), within a CMYK round trip, once the canvas is drawn.
    const p = (40 * 120 + 36) * 4;
    await expect
      .poll(async () => (await shownPhoto()).slice(p, p + 3), { timeout: 10_000 })
      .toSatisfy(([r, , b]: number[]) => Math.abs(r - 220) < 24 && b < 110);
  });

  it("restores the first frame of an animated GIF, and says so", async () => {
    await upload("animated.gif");
    await loaded("animated.gif (64×48)");
    expect(await page.getByTestId("photo-notes").textContent()).toContain("It is animated: its first frame is restored.");
  });

  it("fills the transparent parts of a PNG with white, and says so", async () => {
    await upload("alpha.png");
    await loaded("alpha.png (96×64)");
    expect(await page.getByTestId("photo-notes").textContent()).toContain("Its transparent parts were filled with white.");
    const right = (32 * 96 + 80) * 4;
    await expect.poll(async () => (await shownPhoto()).slice(right, right + 3), { timeout: 10_000 }).toEqual([255, 255, 255]);
  });

  it("takes an uploaded mask (white is lost), undone with Ctrl+Z", async () => {
    await upload("photo.png");
    await loaded("photo.png (451×300)");
    await page.getByTestId("mask-upload").setInputFiles(`${PHOTOS}/mask.png`);
    await expect
      .poll(async () => (await canvasPixels(page, "[data-testid=mask-canvas]"))[0].filter((v, i) => i % 4 === 3 && v > 0).length, {
        timeout: 10_000,
      })
      .toBeGreaterThan(1000);
    await page.keyboard.press("Control+z");
    await expect
      .poll(async () => (await canvasPixels(page, "[data-testid=mask-canvas]"))[0].some((v, i) => i % 4 === 3 && v > 0), {
        timeout: 10_000,
      })
      .toBe(false);
    expect(await page.getByRole("button", { name: "Undo" }).isDisabled()).toBe(true);
  });
});
