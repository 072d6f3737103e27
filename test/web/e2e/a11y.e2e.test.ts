/**
 * axe-core in Chromium on every state a visitor meets: the Generate tab with results and an enlarged
 * image, the model panel opened (with the default model's evaluation), and both paths of the Restore
 * tab with an image loaded and restored. Any violation fails, listed with where it is.
 */
import type { Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { launch } from "../../../scripts/lib/site.ts";
import { axeViolations, generate, openAuditablePage, waitForBackend, withDefaultModelsMetrics } from "./page.ts";

const baseUrl = inject("baseUrl");
let close: () => Promise<void>;
let page: Page;

beforeAll(async () => {
  const launched = await launch();
  close = launched.close;
  page = await openAuditablePage(launched.context, "about:blank");
  await withDefaultModelsMetrics(page);
  await page.goto(`${baseUrl}/?backend=wasm`);
  await waitForBackend(page);
});
afterAll(() => close?.());

async function expectNoViolations() {
  const violations = await axeViolations(page);
  expect(violations, `axe-core found:\n${violations.join("\n")}`).toEqual([]);
}

describe("accessibility (axe-core)", () => {
  it("Generate, with results", async () => {
    await generate(page, { count: 4, steps: 2, seed: 1 });
    await expectNoViolations();
  });

  it("an enlarged image", async () => {
    await page.locator("[data-testid=generate-result] button").first().click();
    await page.getByRole("dialog").waitFor();
    await expectNoViolations();
    await page.keyboard.press("Escape");
    await page.getByRole("dialog").waitFor({ state: "detached" });
  });

  it("the model panel, details open", async () => {
    await page.getByTestId("model-panel").locator("summary").click();
    await page.getByTestId("model-panel").locator("table").first().waitFor();
    await expectNoViolations();
  });

  it("Restore: fix my photo, with a photo loaded", async () => {
    await page.getByRole("tab", { name: "Restore" }).click();
    await page.getByTestId("photo-upload").setInputFiles("test/fixtures/photos/alpha.png");
    await page.locator("[data-testid=photo-restore] legend", { hasText: "alpha.png" }).waitFor();
    await expectNoViolations();
  });

  it("Restore: damage a sample on purpose, restored", async () => {
    await page.getByLabel("Damage a sample on purpose").check();
    await page.getByTestId("upload").setInputFiles("test/fixtures/tiny/samples.png");
    await page.getByRole("button", { name: "Hole in the middle" }).click();
    const form = page.locator("[data-testid=demo-restore] form");
    await form.getByLabel("Steps").fill("4");
    await page.getByRole("button", { name: "Restore", exact: true }).click();
    await page.getByTestId("restore-after").waitFor();
    await expectNoViolations();
  });
});
