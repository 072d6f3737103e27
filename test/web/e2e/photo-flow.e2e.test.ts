/**
 * Fix my photo's flow as a visitor meets it (tiny fixture model, WASM): the work comes into view, a
 * sample to try, presets by goal with the expert fields behind Advanced, one job at a time when another
 * photo comes in, a finished job said in the tab's title, time left that moves, the before/after line
 * dragged on the image, the brush's size on the image, and a phone's first screen. axe-core checks
 * each new state.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import type { BrowserContext, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { FIXTURE as FIXTURE_DIR, launch, openPage } from "../../../scripts/lib/site.ts";
import type { Manifest } from "../../../web/src/api/models.ts";
import { plannedTimesteps, unetPasses } from "../../../web/src/restore-plan.ts";
import { axeViolations, inViewport, openAuditablePage, waitForBackend } from "./page.ts";

const baseUrl = inject("baseUrl");
/** The manifest the site serves (the tiny fixture's). */
const FIXTURE = JSON.parse(readFileSync(join(FIXTURE_DIR, "manifest.json"), "utf8")) as Manifest;
const PHOTOS = "test/fixtures/photos";
let close: () => Promise<void>;
let context: BrowserContext;
let page: Page;
let phone: Page;

beforeAll(async () => {
  const launched = await launch();
  ({ close, context } = launched);
  page = await openAuditablePage(launched.context, "about:blank");
  await page.setViewportSize({ width: 1280, height: 800 });
  await page.goto(`${baseUrl}/?backend=wasm`);
  await waitForBackend(page);
  await page.getByRole("tab", { name: "Restore" }).click();
  phone = await openPage(launched.context, "about:blank");
  await phone.setViewportSize({ width: 390, height: 844 });
  await phone.goto(`${baseUrl}/?backend=wasm`);
});
afterAll(() => close?.());

const form = () => page.locator("[data-testid=photo-restore] form");
const legend = (name: string) => form().locator("legend", { hasText: name });
const restoreButton = () => page.getByRole("button", { name: "Restore my photo" }).and(page.locator(":enabled"));
const progress = () => page.locator("[data-testid=photo-restore] .progress");

async function expectNoViolations() {
  const violations = await axeViolations(page);
  expect(violations, `axe-core found:\n${violations.join("\n")}`).toEqual([]);
}

async function openAdvanced() {
  const advanced = form().locator("details.advanced");
  if (!(await advanced.evaluate((d: HTMLDetailsElement) => d.open))) await advanced.locator("summary").click();
}

/** Starts a restoration long enough to watch (noise 20, 40 steps, each repeated 10 times), past the long-job question if asked. */
async function startLongRun() {
  await form().getByRole("slider", { name: /Noise/ }).fill("20");
  await openAdvanced();
  await form().getByLabel("Steps", { exact: true }).fill("40");
  await form().getByLabel("Resampling (RePaint)").fill("10");
  await restoreButton().click();
  await page.locator("[data-testid=photo-long], [data-testid=photo-restore] .progress").first().waitFor();
  if (await page.getByTestId("photo-long").isVisible()) await page.getByRole("button", { name: "Start anyway" }).click();
  await progress().waitFor();
}

describe("fix my photo's flow", () => {
  it("brings the form into view after an upload, focused on its first control", async () => {
    await page.evaluate(() => window.scrollTo(0, 0));
    await page.getByTestId("photo-upload").setInputFiles(`${PHOTOS}/photo.png`);
    await legend("photo.png (451×300)").waitFor();
    await expect.poll(() => inViewport(page, legend("photo.png"))).toBe(true);
    expect(await form().evaluate((f) => f.contains(document.activeElement) && document.activeElement !== f)).toBe(true);
  });

  it("offers presets by goal, the expert fields behind Advanced with one line of help each", async () => {
    const preset = (name: string) => form().getByRole("radio", { name, exact: true });
    expect(await preset("Balanced").isChecked()).toBe(true);
    // Best is for enlargements (more steps measured no better on noise and painted parts).
    expect(await preset("Best").isDisabled()).toBe(true);
    expect(
      await form()
        .locator("details.advanced")
        .evaluate((d: HTMLDetailsElement) => d.open),
    ).toBe(false);
    await preset("Quick").check();
    await openAdvanced();
    const steps = form().getByLabel("Steps", { exact: true });
    await expect.poll(() => steps.inputValue()).toBe(String(Math.round(FIXTURE.defaults.restore_photo.steps / 2)));
    for (const label of ["Steps", "Resampling (RePaint)", "Average of", "Seed"]) {
      const help = await form()
        .getByLabel(label, { exact: true })
        .evaluate((input) => {
          const id = input.getAttribute("aria-describedby");
          return id ? (document.getElementById(id)?.textContent ?? "") : "";
        });
      expect(help.length, `help for ${label}`).toBeGreaterThan(20);
    }
    await steps.fill("7");
    await form().getByText("Custom: set under Advanced.").waitFor();
    expect(await form().getByRole("radio", { checked: true }).count()).toBe(0);

    await form().getByLabel("Too small?").selectOption({ label: "Enlarge ×2 (902×600)" });
    // Quick is for photos kept at their size (half an enlargement's steps fell well below Lanczos).
    expect(await preset("Quick").isDisabled()).toBe(true);
    await preset("Best").check();
    await expect.poll(() => Promise.all([steps.inputValue(), form().getByLabel("Resampling (RePaint)").inputValue()])).toEqual(["40", "2"]);
    await expectNoViolations();
    // Keeping the size again leaves Best, which is for enlargements, for Balanced.
    await form().getByLabel("Too small?").selectOption({ label: "Keep its size (451×300)" });
    await expect.poll(() => preset("Balanced").isChecked()).toBe(true);

    // Balanced is the manifest's defaults for the task: fewer steps kept at size (with noise, here) than enlarged x4,
    // and the estimate's UNet passes follow.
    const { restore_photo, enlarge_photo } = FIXTURE.defaults;
    expect(enlarge_photo && enlarge_photo.steps !== restore_photo.steps).toBe(true);
    await form().getByRole("slider", { name: /Noise/ }).fill("20");
    const passes = async () => /\((\d+) UNet pass/.exec((await page.getByTestId("photo-estimate").textContent()) ?? "")?.[1];
    const expected = (upscale: 1 | 4, { steps, resample }: { steps: number; resample: number }) =>
      String(
        unetPasses({
          steps: plannedTimesteps(FIXTURE, { steps, noise: 20 / 127.5, mask: null, upscale, grayscale: false }).length,
          resample,
        }),
      );
    await expect.poll(() => steps.inputValue()).toBe(String(restore_photo.steps));
    await expect.poll(passes, { timeout: 10_000 }).toBe(expected(1, restore_photo));
    await form().getByLabel("Too small?").selectOption({ label: "Enlarge ×4 (1804×1200)" });
    await expect.poll(() => steps.inputValue()).toBe(String(enlarge_photo?.steps));
    expect(await preset("Balanced").isChecked()).toBe(true);
    await expect.poll(passes, { timeout: 10_000 }).toBe(expected(4, enlarge_photo!));
    await form().getByLabel("Too small?").selectOption({ label: "Keep its size (451×300)" });
    await expect.poll(() => steps.inputValue()).toBe(String(restore_photo.steps));
    await form().getByRole("slider", { name: /Noise/ }).fill("0");
  });

  it("brings the progress into view when Restore is pressed, says it in the title, and counts the time left down", async () => {
    await page.evaluate(() => window.scrollTo(0, 0));
    await startLongRun();
    await expect.poll(() => inViewport(page, progress())).toBe(true);
    await expect.poll(() => page.title()).toMatch(/^\d+% · Restoring · edge-diffusion$/);
    // The time left moves between progress messages: two reads two seconds apart differ.
    await page.getByText(/ s left| min \d+ s left/).waitFor({ timeout: 30_000 });
    const first = await progress().textContent();
    await page.waitForTimeout(2100);
    expect(await progress().textContent()).not.toBe(first);
  });

  it("asks before another photo replaces a running one, and keeps the run when told to", async () => {
    await page.getByTestId("photo-upload").setInputFiles(`${PHOTOS}/alpha.png`);
    const prompt = page.getByTestId("photo-switch");
    await prompt.waitFor();
    expect(await prompt.textContent()).toContain("photo.png is still being restored. Stop that and open alpha.png?");
    await expectNoViolations();
    await page.getByRole("button", { name: "Keep restoring photo.png" }).click();
    await prompt.waitFor({ state: "detached" });
    expect(await legend("photo.png").count()).toBe(1);
    expect(await progress().isVisible()).toBe(true);

    await page.getByTestId("photo-upload").setInputFiles(`${PHOTOS}/alpha.png`);
    await page.getByRole("button", { name: "Stop and open alpha.png" }).click();
    await legend("alpha.png (96×64)").waitFor();
    expect(await progress().count()).toBe(0);
    // The stopped run was for another photo: no line offers to start it again here.
    expect(await page.getByTestId("job-cancelled").count()).toBe(0);
    await expect.poll(() => page.title()).toBe("edge-diffusion");
  });

  it("says a finished job in the title and a notification while the visitor is on another tab", async () => {
    // The visitor allowed notifications. The page shows them through its service worker (the only way
    // on Android); its showNotification is watched to see what the page asks for.
    await context.grantPermissions(["notifications"], { origin: baseUrl });
    await page.evaluate(() => {
      const w = window as unknown as { notified: string[] };
      w.notified = [];
      ServiceWorkerRegistration.prototype.showNotification = async (title: string) => {
        w.notified.push(title);
      };
      Object.defineProperty(document, "hidden", { configurable: true, get: () => true });
      Object.defineProperty(document, "visibilityState", { configurable: true, get: () => "hidden" });
    });
    await form().getByRole("slider", { name: /Noise/ }).fill("20");
    await restoreButton().click();
    await page.getByTestId("photo-after").waitFor({ timeout: 60_000 });
    await expect.poll(() => page.title()).toBe("✓ Restored · edge-diffusion");
    expect(await page.evaluate(() => (window as unknown as { notified: string[] }).notified)).toEqual(["Restored"]);
    // Back on the tab: the page's own title again.
    await page.evaluate(() => {
      delete (document as { hidden?: boolean }).hidden;
      delete (document as { visibilityState?: string }).visibilityState;
      document.dispatchEvent(new Event("visibilitychange"));
    });
    await expect.poll(() => page.title()).toBe("edge-diffusion");
  });

  it("moves the line between before and after by dragging on the image, and with the keyboard", async () => {
    const view = page.getByTestId("split-view");
    const handle = page.getByRole("slider", { name: /^The line between before and after/ });
    const after = () => view.locator(".after").evaluate((e) => (e as HTMLElement).style.clipPath);
    await view.scrollIntoViewIfNeeded();
    const box = (await view.boundingBox())!;
    await page.mouse.move(box.x + box.width * 0.2, box.y + box.height / 2);
    await page.mouse.down();
    await page.mouse.move(box.x + box.width * 0.3, box.y + box.height / 2, { steps: 4 });
    await page.mouse.up();
    expect(Number(await handle.getAttribute("aria-valuenow"))).toBeCloseTo(30, -0.5);
    await handle.focus();
    await page.keyboard.press("Home");
    for (let i = 0; i < 5; i++) await page.keyboard.press("ArrowRight");
    expect(await handle.getAttribute("aria-valuenow")).toBe("10");
    expect(await after()).toBe("inset(0px 0px 0px 10%)");
    await page.keyboard.press("End");
    expect(await after()).toBe("inset(0px 0px 0px 100%)");
    await expectNoViolations();
  });

  it("shows the brush's size on the image where the pointer is", async () => {
    const canvas = page.getByTestId("mask-canvas");
    await canvas.scrollIntoViewIfNeeded();
    const box = (await canvas.boundingBox())!;
    await page.mouse.move(box.x + box.width / 2, box.y + box.height / 2);
    const outline = page.getByTestId("brush-outline");
    await outline.waitFor();
    const brush = Number(
      (await form()
        .getByText(/^\d+px$/)
        .textContent())!.replace("px", ""),
    );
    const ring = (await outline.boundingBox())!;
    // The ring is the brush's diameter at the image's on-screen scale (alpha.png is 96 pixels wide), centred on the pointer.
    expect(ring.width).toBeCloseTo((brush / 96) * box.width, 0);
    expect(ring.x + ring.width / 2).toBeCloseTo(box.x + box.width / 2, 0);
    await page.mouse.move(box.x + box.width / 2, box.y - 40);
    await outline.waitFor({ state: "detached" });
  });

  it("loads the sample photo the site ships: noisy, so its noise estimate is used", async () => {
    await page.getByRole("button", { name: "Try a sample photo" }).click();
    await legend("coffee-noisy.png (300×200)").waitFor();
    expect(
      await form()
        .getByLabel(/Use the estimate from the photo/)
        .isChecked(),
    ).toBe(true);
    const levels = Number((await page.getByTestId("noise-level").textContent())!.split("/")[0]);
    // Made with noise of 20/255.
    expect(levels).toBeGreaterThanOrEqual(16);
    expect(levels).toBeLessThanOrEqual(24);
  });
});

describe("a phone's first screen", () => {
  it("shows something to do beside the introduction, which opens its tool in view", async () => {
    await waitForBackend(phone);
    const fix = phone.getByRole("button", { name: "Fix my photo", exact: true });
    expect(await inViewport(phone, fix)).toBe(true);
    await fix.click();
    expect(await phone.getByRole("tab", { name: "Restore" }).getAttribute("aria-selected")).toBe("true");
    await expect.poll(() => inViewport(phone, phone.getByRole("button", { name: "Try a sample photo" }))).toBe(true);
  });
});
