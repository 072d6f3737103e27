/** The model panel for a first-time visitor: plain words first, the tables behind "Details", numbers people read. */
import { readFileSync } from "node:fs";
import { h } from "preact";
import { renderToString } from "preact-render-to-string";
import { describe, expect, it } from "vitest";
import type { Manifest, PublishedVersion } from "../../../web/src/api/models.ts";
import { ModelPanel } from "../../../web/src/ui/model/ModelPanel.tsx";
import { evaluation } from "./evaluation.ts";

const fixture = JSON.parse(readFileSync("test/fixtures/tiny/manifest.json", "utf8")) as Manifest;
const training = {
  dataset: "CIFAR-10 (train)",
  images_seen: 248000,
  parameters: 1745443,
  wall_seconds: 13605.137,
  code_revision: "ac8d69a",
  last_run_from_images: 200000,
  last_run_wall_seconds: 660.4,
};

function render(metrics: Record<string, unknown>, changes: Partial<Manifest> = {}): string {
  const manifest: Manifest = { ...fixture, created: "2026-11-29T13:34:50Z", training, metrics, ...changes };
  const version: PublishedVersion = { id: manifest.id, created_at: manifest.created, finalized_at: manifest.created, manifest };
  return renderToString(h(ModelPanel, { version, versions: [{ id: version.id }], onPick: () => {}, disabled: false }));
}

/** The text a visitor reads, tags dropped. */
const text = (html: string) => html.replace(/<[^>]+>/g, "");

function summaryAndDetails(metrics: Record<string, unknown>, changes: Partial<Manifest> = {}): [string, string] {
  const html = render(metrics, changes);
  const details = html.indexOf("<details");
  expect(details).toBeGreaterThan(0);
  return [text(html.slice(0, details)), html.slice(details)];
}

describe("ModelPanel", () => {
  it("says what the model is and how well it does in words, before any table", () => {
    const metrics = evaluation();
    metrics.restoration = { ...metrics.restoration, candidates: 4 } as typeof metrics.restoration;
    const [summary, details] = summaryAndDetails(metrics);
    expect(summary).toContain(
      "A diffusion model of 1.7 million parameters (large image generators have billions), trained on CIFAR-10 in about 3 h 47 min, looking at 248,000 pictures. Made on 29 Nov 2026.",
    );
    expect(summary).toContain("a separate classifier recognises as that class 81% of the time (real test photos: 89%)");
    expect(summary).toContain("their Frechet distance to real photos (lower is more realistic) is 51.2, where real test photos score 11.3");
    expect(summary).toContain("for 1 of 2 kinds of damage (noise); the mean of 4 restorations (“Average of”) does so for 2.");
    expect(summary).not.toContain("<table");
    expect(details).toContain("<table");
  });

  it("keeps the specialist's words and raw records behind Details, with durations and dates for people", () => {
    const [summary, details] = summaryAndDetails(evaluation());
    for (const jargon of ["predicts", "schedule", "ac8d69a", "2026-11-29T", "wall seconds"]) expect(summary).not.toContain(jargon);
    const facts = text(details);
    expect(facts).toContain("training timeabout 3 h 47 min");
    expect(facts).toContain("last run's timeabout 11 min");
    expect(facts).toContain("last run from images200,000");
    expect(facts).toContain("Exported on 29 Nov 2026");
    expect(facts).not.toContain("1.361e+4");
    expect(facts).not.toContain("2026-11-29T");
  });

  it("says a distilled student's passes, its teacher, and that its guidance is built in", () => {
    const generate = { sampler: "ddim" as const, steps: 4, guidance: 1, guidance_interval: null, timesteps: [900, 500, 200, 50] };
    const metrics = evaluation();
    metrics.generation = { ...metrics.generation, steps: 4, guidance: 1 } as typeof metrics.generation;
    const [summary] = summaryAndDetails(metrics, { teacher: "the-teacher", defaults: { ...fixture.defaults, generate } });
    expect(summary).toContain(
      "A diffusion model of 1.7 million parameters (large image generators have billions), distilled from the-teacher to draw a picture in 4 network passes, guidance built in, trained on CIFAR-10 in about 3 h 47 min, looking at 248,000 pictures (its teacher's among them).",
    );
    expect(summary).toContain("pictures at 4 steps, guidance built in.");
    const { restoration: _, ...generationOnly } = metrics;
    const [restoring] = summaryAndDetails(generationOnly, { teacher: "the-teacher", defaults: { ...fixture.defaults, generate } });
    expect(restoring).toContain("Restoring. Its teacher, the-teacher, restores: a restoration takes as many passes on either model.");
  });

  it("counts a tie with the classical baseline as no win", () => {
    const tie = { damaged: { psnr: 25.818 }, restored: { psnr: 25.82 }, baselines: { gray: { psnr: 25.818 } } };
    const [summary] = summaryAndDetails(evaluation({ restoration: { images: 40, tasks: { colourise: tie } } }));
    expect(summary).toContain("for 0 of 1 kinds of damage.");
  });

  it("says when no evaluation has been published", () => {
    const [summary] = summaryAndDetails({});
    expect(summary).toContain("No evaluation has been published for this version yet.");
  });
});
