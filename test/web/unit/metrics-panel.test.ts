/** The model panel's evaluation tables: model.eval's JSON as specialists read it. */
import { h } from "preact";
import { renderToString } from "preact-render-to-string";
import { describe, expect, it } from "vitest";
import { MetricsPanel } from "../../../web/src/ui/model/MetricsPanel";
import { evaluation } from "./evaluation.ts";

/** The text of each table row, cells joined by " | ". */
function rows(html: string): string[] {
  return [...html.matchAll(/<tr>(.*?)<\/tr>/g)].map(([, row]) =>
    [...row.matchAll(/<t[dh][^>]*>(.*?)<\/t[dh]>/g)].map(([, cell]) => cell.replace(/<!-- -->/g, "")).join(" | "),
  );
}

const captions = (html: string) => [...html.matchAll(/<caption>(.*?)<\/caption>/g)].map(([, caption]) => caption.replace(/<!-- -->/g, ""));

describe("MetricsPanel", () => {
  it("puts generation beside the real-data floor, and each restoration beside its best classical baseline", () => {
    const html = renderToString(h(MetricsPanel, { metrics: evaluation() }));
    expect(html).toContain("feature space of the project's classifier");
    const table = rows(html);
    expect(table).toContain("generation | Frechet distance | class accuracy");
    expect(table).toContain("this model | 51.23 | 81.3%");
    expect(table).toContain("real test images (the floor) | 11.28 | 89.3%");
    expect(table).toContain("task | damaged | best classical baseline | diffusion");
    expect(table).toContain("super resolution x4 | 20.68 | bicubic 21.87 | 20.47");
    expect(table).toContain("denoise 25 | 20.50 | nl means 26.04 | 28.05");
    expect(html).not.toContain("Guidance,");
  });

  it("names each table's sample count in its caption, and says distances compare within a table only", () => {
    const runs = [1, 3].map((guidance) => ({
      sampler: "dpmpp_2m",
      steps: 20,
      guidance,
      samples: 50,
      frechet_distance: 86.12,
      class_accuracy: 0.94,
    }));
    const html = renderToString(
      h(MetricsPanel, {
        metrics: evaluation({ guidance_sweep: { runs, real_test: { samples: 50, frechet_distance: 86.65, class_accuracy: 0.84 } } }),
      }),
    );
    expect(captions(html)).toEqual([
      "Generation, 400 samples (dpmpp_2m, 20 steps, guidance 3)",
      "Guidance, 50 samples each (dpmpp_2m, 20 steps): closer to the class, less varied",
      "Restoration of 40 test images, PSNR in dB",
    ]);
    // The sweep's own floor: at 50 samples real photos score 86.65, so 86.12 there is no contradiction of 51.23 at 400.
    expect(rows(html)).toContain("real test images (the floor) | 86.65 | 84.0%");
    expect(html).toContain("compare them within a table, not across tables");
  });

  it("shows the mean of candidates and the guidance sweep when the evaluation has them", () => {
    const runs = [1, 3].map((guidance, i) => ({
      sampler: "dpmpp_2m",
      steps: 20,
      guidance,
      samples: 100,
      frechet_distance: 80 - 20 * i,
      class_accuracy: 0.4 + 0.4 * i,
    }));
    const metrics = evaluation({ guidance_sweep: { runs } });
    metrics.restoration = { ...metrics.restoration, candidates: 4 } as typeof metrics.restoration;
    const table = rows(renderToString(h(MetricsPanel, { metrics })));
    expect(table).toContain("task | damaged | best classical baseline | diffusion | mean of 4");
    expect(table).toContain("super resolution x4 | 20.68 | bicubic 21.87 | 20.47 | 22.36");
    expect(table).toContain("1 | 80.00 | 40.0%");
    expect(table).toContain("3 | 60.00 | 80.0%");
  });

  it("lists the scalars of metrics of another shape, and says when there are none", () => {
    expect(renderToString(h(MetricsPanel, { metrics: { fid: 1.23456 } }))).toContain("<dd>1.235</dd>");
    expect(renderToString(h(MetricsPanel, { metrics: {} }))).toContain("None published.");
  });
});
