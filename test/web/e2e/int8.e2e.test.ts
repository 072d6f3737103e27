/**
 * The page's WASM weights: int8 where the version's evaluation says it holds, else fp32 and why; an
 * int8 file that arrives corrupt, or that ONNX Runtime cannot load, leaves the page on fp32, still
 * generating, and the badge's detail says so. The served manifest is edited on its way to the page,
 * so no case needs a version of its own: its int8 entry points at bytes the site already serves.
 */
import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import type { BrowserContext } from "playwright-core";
import { describe, expect, inject, it } from "vitest";
import { launch, openPage } from "../../../scripts/lib/site.ts";
import { generate, maxLevelDiff, waitForBackend } from "./page.ts";

const baseUrl = inject("baseUrl");

interface ServedFile {
  name: string;
  variant: string;
  bytes: number;
  sha256: string;
  url: string;
}

const EVALUATION = { frechet_distance: 12.4, fp32_frechet_distance: 12.3, samples: 1000, photo_psnr_db: 27.9, fp32_photo_psnr_db: 28 };

/**
 * Serves the current version with `int8` (made from the fp32 entry) as its int8 file, and `metrics.int8`;
 * for the whole context, so that the service worker's requests are edited too.
 */
async function serveInt8(context: BrowserContext, int8: (fp32: ServedFile) => ServedFile, evaluation = EVALUATION): Promise<void> {
  await context.route("**/api/models/current", async (route) => {
    const response = await route.fetch();
    const version = (await response.json()) as { manifest: { files: ServedFile[]; metrics: Record<string, unknown> } };
    const { files, metrics } = version.manifest;
    const fp32 = files.find((file) => file.variant === "fp32")!;
    const others = files.filter((file) => file.variant !== "int8");
    const manifest = { ...version.manifest, files: [...others, int8(fp32)], metrics: { ...metrics, int8: evaluation } };
    await route.fulfill({ response, json: { ...version, manifest } });
  });
}

/** The badge's detail once the model is loaded on WASM with the served int8 entry, and whether the page still generates. */
async function loadWith(int8: (fp32: ServedFile) => ServedFile, evaluation?: typeof EVALUATION): Promise<string> {
  const { context, close } = await launch();
  try {
    await serveInt8(context, int8, evaluation);
    const page = await openPage(context, `${baseUrl}/?backend=wasm`);
    const { detail } = await waitForBackend(page);
    const images = await generate(page, { classLabel: "disc", count: 2, steps: 4, seed: 5 });
    expect(images).toHaveLength(2);
    expect(maxLevelDiff([images[0]], [images[1]])).toBeGreaterThan(32);
    return detail;
  } finally {
    await close();
  }
}

const asInt8 = (file: ServedFile): ServedFile => ({ ...file, name: "model.int8.onnx", variant: "int8" });

describe("WASM weights", () => {
  it("runs int8 where the version's evaluation holds (the fp32 file standing in for it)", async () => {
    expect(await loadWith(asInt8)).toBe("WASM, 2 threads (int8)");
  });

  it("runs fp32 where it does not, and says why", async () => {
    const detail = await loadWith(asInt8, { ...EVALUATION, photo_psnr_db: 27.6 });
    expect(detail).toBe("WASM, 2 threads (fp32): int8 lost 0.4 dB on photos in evaluation");
  });

  it("falls back to fp32 when the int8 file arrives with another sha256", async () => {
    const detail = await loadWith((fp32) => ({ ...asInt8(fp32), sha256: "0".repeat(64) }));
    expect(detail).toMatch(
      /^WASM, 2 threads \(fp32\): int8 weights failed to load: model\.int8\.onnx from .* has sha256 [0-9a-f]{64}, the manifest says 0{64}: .*; using fp32$/,
    );
  });

  it("falls back to fp32 when ONNX Runtime cannot load the int8 file", async () => {
    // Intact bytes (the sha256 matches) that are no ONNX model: the site's web app manifest.
    const bytes = readFileSync("web/dist/manifest.webmanifest");
    const sha256 = createHash("sha256").update(bytes).digest("hex");
    const detail = await loadWith((fp32) => ({ ...asInt8(fp32), bytes: bytes.byteLength, sha256, url: `${baseUrl}/manifest.webmanifest` }));
    expect(detail).toMatch(/^WASM, 2 threads \(fp32\): int8 weights failed to load: .+; using fp32$/);
  });
});
