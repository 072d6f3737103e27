/**
 * After one visit the page works offline (web/src/sw.ts keeps the build and the registry's answers,
 * web/src/inference/weights-cache.ts the weights), online a newer page or model wins, and the page
 * is installable (its manifest parses, its icons load).
 */
import { createHash } from "node:crypto";
import { readdirSync, readFileSync } from "node:fs";
import { join, relative } from "node:path";
import type { BrowserContext, Page, Response, Route } from "playwright-core";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { launch, openPage } from "../../../scripts/lib/site.ts";
import { generate, waitForBackend } from "./page.ts";

const baseUrl = inject("baseUrl");
const DIST = "web/dist";
const SETTINGS = { count: 2, steps: 2, seed: 3 };
let context: BrowserContext;
let close: () => Promise<void>;
let page: Page;

beforeAll(async () => {
  ({ context, close } = await launch());
  page = await openPage(context, `${baseUrl}/?backend=wasm`);
  await waitForBackend(page);
  await page.waitForFunction(() => navigator.serviceWorker.controller !== null, null, { timeout: 60_000 });
});
afterAll(() => close?.());

/**
 * Reloads with the network gone and the HTTP cache emptied (its fresh copies would hide what the
 * service worker keeps), and waits for the model. Returns the answers that did not come from the
 * service worker: the page's, its workers' and the service worker's own.
 */
async function reloadOffline(): Promise<string[]> {
  const direct: string[] = [];
  const record = (response: Response) => {
    if (!response.fromServiceWorker()) direct.push(response.url());
  };
  await (await context.newCDPSession(page)).send("Network.clearBrowserCache");
  await context.setOffline(true);
  context.on("response", record);
  try {
    await page.reload();
    await waitForBackend(page);
  } finally {
    context.off("response", record);
    await context.setOffline(false);
  }
  return direct;
}

/**
 * A deploy and a promote as the Worker would answer them: another index.html, another current
 * model. Routed on the context, because once a service worker controls the page its fetches are the
 * service worker's, which page.route does not see.
 */
async function routeNewerSite(): Promise<() => Promise<void>> {
  const isPage = (url: URL) => url.pathname === "/";
  const isCurrent = (url: URL) => url.pathname === "/api/models/current";
  const newerPage = async (route: Route) => {
    const response = await route.fetch();
    const body = (await response.text()).replace("<title>edge-diffusion</title>", "<title>edge-diffusion, next build</title>");
    await route.fulfill({ response, body });
  };
  const newerModel = async (route: Route) => {
    const response = await route.fetch();
    const version = (await response.json()) as { manifest: { name: string } };
    await route.fulfill({ response, json: { ...version, manifest: { ...version.manifest, name: "Promoted later" } } });
  };
  await context.route(isPage, newerPage);
  await context.route(isCurrent, newerModel);
  return async () => {
    await context.unroute(isPage, newerPage);
    await context.unroute(isCurrent, newerModel);
  };
}

describe("offline after one visit", () => {
  it("reloads, loads the model from this device and generates the same images with the network gone", async () => {
    const online = await generate(page, SETTINGS);
    const direct = await reloadOffline();
    expect(direct).toEqual([]);
    expect(await page.getByTestId("load-status").textContent()).toMatch(/from this device's cache/);
    // The cached page keeps its COOP/COEP headers.
    expect(await page.evaluate(() => crossOriginIsolated)).toBe(true);
    expect(await generate(page, SETTINGS)).toEqual(online);
  });

  it("takes a newer page and model online; offline it keeps its own build and the last model it was told of", async () => {
    const unroute = await routeNewerSite();
    try {
      await page.reload();
      await waitForBackend(page);
      expect(await page.title()).toBe("edge-diffusion, next build");
      expect(await page.getByTestId("model-panel").textContent()).toContain("Promoted later");
    } finally {
      await unroute();
    }
    expect(await reloadOffline()).toEqual([]);
    // The newer index.html was never kept: it could name assets that this build's cache lacks.
    expect(await page.title()).toBe("edge-diffusion");
    expect(await page.getByTestId("model-panel").textContent()).toContain("Promoted later");
  });
});

describe("installable", () => {
  it("links a manifest that parses, with icons that load at their sizes", async () => {
    const cdp = await context.newCDPSession(page);
    const { url, errors, data } = await cdp.send("Page.getAppManifest");
    expect(url).toBe(`${baseUrl}/manifest.webmanifest`);
    expect(errors).toEqual([]);
    const manifest = JSON.parse(data ?? "") as { icons: { src: string; sizes: string; type: string }[] };
    expect(manifest).toMatchObject({ name: "edge-diffusion", short_name: "edge-diffusion", start_url: "/", display: "standalone" });
    expect(manifest.icons.map((icon) => icon.sizes)).toEqual(["192x192", "512x512"]);
    for (const icon of manifest.icons) {
      // Fetched and decoded by the page itself, under its CSP.
      const size = await page.evaluate(async (src) => {
        const bitmap = await createImageBitmap(await (await fetch(src)).blob());
        return `${bitmap.width}x${bitmap.height}`;
      }, icon.src);
      expect(size, icon.src).toBe(icon.sizes);
    }
    expect((await cdp.send("Page.getInstallabilityErrors")).installabilityErrors).toEqual([]);
  });
});

describe("the build's service worker", () => {
  it("names every file of the page in web/dist, each with the sha256 of the bytes written", () => {
    const script = readFileSync(join(DIST, "sw.js"), "utf8");
    const build = JSON.parse(/^const BUILD = (.*);$/m.exec(script)![1]) as { files: { url: string; sha256: string }[] };
    const written = readdirSync(DIST, { recursive: true, withFileTypes: true })
      .filter((entry) => entry.isFile())
      .map((entry) => relative(DIST, join(entry.parentPath, entry.name)))
      // The benchmark page is not the app.
      .filter((name) => name !== "sw.js" && name !== "bench.html" && !name.startsWith("assets/bench-"));
    expect(build.files.map((file) => file.url).sort()).toEqual(written.map((name) => (name === "index.html" ? "/" : `/${name}`)).sort());
    for (const file of build.files) {
      const bytes = readFileSync(join(DIST, file.url === "/" ? "index.html" : file.url));
      expect(createHash("sha256").update(bytes).digest("hex"), file.url).toBe(file.sha256);
    }
  });
});
