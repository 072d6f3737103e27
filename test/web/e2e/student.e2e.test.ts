/**
 * A distilled student and its teacher, published as `npm start` publishes the committed pair: the
 * student serves first where its evaluation holds, its teacher is one click away in Generate's
 * sampler menu (and back), and Restore runs on the teacher. Both carry the fixture's bytes under
 * manifests of their own: what is tested is which version the page runs where.
 */
import { cpSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { FIXTURE, launch, openPage, startSite } from "../../../scripts/lib/site.ts";
import type { Manifest } from "../../../worker/contract/manifest.ts";
import { generate, waitForBackend } from "./page.ts";

/** The fixture's export under another id, its manifest changed by `edit`. */
function exportAs(id: string, edit: (manifest: Manifest) => Partial<Manifest>): string {
  const dir = mkdtempSync(join(tmpdir(), "student-e2e-"));
  cpSync(FIXTURE, dir, { recursive: true });
  const manifest = JSON.parse(readFileSync(join(dir, "manifest.json"), "utf8")) as Manifest;
  writeFileSync(join(dir, "manifest.json"), JSON.stringify({ ...manifest, ...edit(manifest), id }));
  return dir;
}

const generation = (frechet_distance: number) => ({
  generation: { frechet_distance, class_accuracy: 0.9, samples: 1000, steps: 4, guidance: 1 },
});
const teacher = exportAs("tiny-teacher", () => ({ metrics: generation(5.0) }));
const student = exportAs("tiny-student", (m) => ({
  teacher: "tiny-teacher",
  metrics: generation(5.2),
  defaults: { ...m.defaults, generate: { sampler: "ddim", steps: 4, guidance: 1, guidance_interval: null, timesteps: [90, 50, 20, 5] } },
}));
let site: Awaited<ReturnType<typeof startSite>>;

beforeAll(async () => {
  site = await startSite({ teacher, student });
}, 180_000);
afterAll(() => site?.cleanup());

describe("a distilled student", () => {
  it("generates first, its teacher one click away in the sampler menu and back, the pick kept in the URL", async () => {
    const { context, close } = await launch();
    try {
      const page = await openPage(context, `${site.worker.url}/?backend=wasm`);
      await waitForBackend(page);
      const form = page.locator("form", { has: page.getByRole("button", { name: "Generate", exact: true }) });
      expect(await form.getByLabel("Steps", { exact: true }).inputValue()).toBe("4");
      expect(await page.getByTestId("passes").textContent()).toBe(
        "A distilled student: it learned to sample in 4 steps of DDIM, guidance built in. 4 network passes per image.",
      );
      expect(await generate(page, { classLabel: "disc", count: 2, steps: 4, seed: 3 })).toHaveLength(2);

      await form.getByLabel("Sampler").selectOption({ label: "Teacher model: DPM-Solver++(2M), 8 steps" });
      await page.waitForURL(/\?backend=wasm&model=tiny-teacher$/);
      await expect.poll(() => form.getByLabel("Steps", { exact: true }).inputValue()).toBe("8"); // the teacher's own defaults
      await waitForBackend(page);
      expect(await page.getByTestId("passes").textContent()).toMatch(/^\d+ network passes per image\.$/);
      expect(await generate(page, { classLabel: "disc", count: 2, steps: 4, seed: 3 })).toHaveLength(2);

      await form.getByLabel("Sampler").selectOption({ label: "Distilled student: 4 steps, guidance built in (faster)" });
      await page.waitForURL(/model=tiny-student$/);
      await expect.poll(() => form.getByLabel("Steps", { exact: true }).inputValue()).toBe("4");
    } finally {
      await close();
    }
  });

  it("restores on its teacher, loaded only when Restore is first opened", async () => {
    const { context, close } = await launch();
    try {
      const page = await openPage(context, `${site.worker.url}/?backend=wasm`);
      await waitForBackend(page);
      const inferenceWorkers = () => page.workers().filter((worker) => worker.url().includes("/inference-worker")).length;
      expect(inferenceWorkers()).toBe(1);
      await page.getByRole("tab", { name: "Restore" }).click();
      expect(await page.getByTestId("restore-model").textContent()).toMatch(
        /^Restoration runs on tiny-teacher, the model this student learned from/,
      );
      await page.getByLabel("Damage a sample on purpose").check();
      await page.getByRole("button", { name: "Sample an image from the model" }).and(page.locator(":enabled")).click({ timeout: 60_000 });
      await page.getByText(/Damage a sample \(/).waitFor();
      await page.getByRole("button", { name: "Hole in the middle" }).click();
      await page.locator("[data-testid=demo-restore] form").getByLabel("Steps").fill("10");
      await page.getByRole("button", { name: "Restore", exact: true }).click();
      await page.getByTestId("restore-after").waitFor({ timeout: 60_000 });
      expect(inferenceWorkers()).toBe(2); // the teacher's, beside the student's
      expect(await page.getByTestId("load-status").textContent()).toMatch(/^Ready: the model/);
    } finally {
      await close();
    }
  });
});
