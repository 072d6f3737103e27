/**
 * The local site for e2e tests and browser benchmarks: the built page served by `wrangler dev` on loopback with the tiny fixture model
 * published and promoted (through scripts/lib/publish.ts), and Debian's Chromium driven by
 * playwright-core with every host but 127.0.0.1 unresolvable.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type BrowserContext, chromium, type Page } from "playwright-core";
import { publishCommitted } from "./committed-models.ts";
import { type LocalWorker, root, startLocalWorker } from "./local-worker.ts";
import { publish } from "./publish.ts";

export const FIXTURE = join(root, "test/fixtures/tiny");
const CHROMIUM = process.env.CHROMIUM ?? "/usr/lib/chromium/chromium";

/**
 * wrangler dev with fresh local state and the export directory `dir` published as the current model,
 * or a teacher and its student published as `npm start` publishes the committed pair.
 */
export async function startSite(
  dir: string | { teacher: string; student: string } = FIXTURE,
): Promise<{ worker: LocalWorker; cleanup(): void }> {
  const state = mkdtempSync(join(tmpdir(), "edge-diffusion-e2e-"));
  const adminToken = `e2e-${crypto.randomUUID()}`;
  const worker = await startLocalWorker({ persistTo: join(state, "wrangler"), adminToken, log: join(state, "wrangler.log") });
  try {
    const options = { baseUrl: worker.url, token: adminToken };
    await (typeof dir === "string" ? publish(dir, { ...options, promote: true }) : publishCommitted(options, dir));
  } catch (e) {
    worker.stop();
    throw e;
  }
  return {
    worker,
    cleanup() {
      worker.stop();
      rmSync(state, { recursive: true, force: true });
    },
  };
}

export interface BrowserOptions {
  webgpu?: boolean;
}

/** Chromium with a fresh profile (--user-data-dir), so every launch is a first visit. */
export async function launch({ webgpu = false }: BrowserOptions = {}): Promise<{ context: BrowserContext; close(): Promise<void> }> {
  const profile = mkdtempSync(join(tmpdir(), "edge-diffusion-chromium-"));
  const args = [
    "--headless=new",
    "--no-sandbox",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-quic",
    "--host-resolver-rules=MAP * ~NOTFOUND , EXCLUDE 127.0.0.1",
    // WebGPU in headless Chromium exists only on the SwiftShader software adapter, behind this flag.
    ...(webgpu ? ["--enable-unsafe-webgpu"] : []),
  ];
  const context = await chromium.launchPersistentContext(profile, { executablePath: CHROMIUM, args, headless: true });
  return {
    context,
    async close() {
      // A route handler still editing a response (a service worker's late request) would fail once
      // the browser is gone, as an unhandled rejection that fails the run: let it fail quietly first.
      await context.unrouteAll({ behavior: "ignoreErrors" });
      await context.close();
      rmSync(profile, { recursive: true, force: true });
    },
  };
}

/** Every URL the page or its workers asked for, to prove nothing left the machine. */
export function recordRequests(context: BrowserContext): string[] {
  const urls: string[] = [];
  context.on("request", (request) => urls.push(request.url()));
  return urls;
}

export async function openPage(context: BrowserContext, url: string): Promise<Page> {
  const page = await context.newPage();
  page.on("console", (message) => {
    if (message.type() === "error") console.error(`[page] ${message.text()}`);
  });
  page.on("pageerror", (error) => console.error(`[page] ${error.message}`));
  await page.goto(url);
  return page;
}
