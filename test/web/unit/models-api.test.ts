import { readFileSync } from "node:fs";
import { afterEach, describe, expect, it, vi } from "vitest";
import { fetchVersion, type Manifest } from "../../../web/src/api/models.ts";

const manifest = JSON.parse(readFileSync("test/fixtures/tiny/manifest.json", "utf8")) as Manifest;

function serve(body: unknown) {
  vi.stubGlobal("fetch", async () => new Response(JSON.stringify(body), { headers: { "Content-Type": "application/json" } }));
}

describe("fetchVersion", () => {
  afterEach(() => vi.unstubAllGlobals());

  it("hands over a version whose manifest carries its defaults", async () => {
    serve({ id: "v1", created_at: "", finalized_at: null, manifest });
    expect((await fetchVersion("v1")).manifest.defaults.generate.steps).toBe(manifest.defaults.generate.steps);
  });

  it("refuses a version published before manifests carried defaults, saying how to fix it", async () => {
    const { defaults: _, ...older } = manifest;
    serve({ id: "old", created_at: "", finalized_at: null, manifest: older });
    await expect(fetchVersion("old")).rejects.toThrow(/old was published before manifests carried .* publish it again/);
  });
});
