/** The model panel's metrics: model.eval's JSON as people read it. */
import { h } from "preact";
import { renderToString } from "preact-render-to-string";
import { describe, expect, it } from "vitest";
import { MetricsPanel } from "../../../web/src/ui/MetricsPanel";

const quality = (psnr: number) => ({ psnr, ssim: 0.5 });

/** The shape model.eval writes (model/eval.py), with numbers that are easy to find. */
function evaluation(extra: Record<string, unknown> = {}) {
  return {
    note: "Frechet distance in the feature space of the project's classifier",
    generation: { sampler: "dpmpp_2m", steps: 20, guidance: 3, samples: 400, frechet_distance: 51.234, class_accuracy: 0.8125, real_test: { samples: 400, frechet_distance: 11.276, class_accuracy: 0.8925 } },
    restoration: {
      images: 40,
      tasks: {
        super_resolution_x4: { damaged: quality(20.68), restored: quality(20.47), baselines: { bicubic: quality(21.87) }, mean_of_candidates: quality(22.36) },
        denoise_25: { damaged: quality(20.5), restored: quality(28.05), baselines: { tv: quality(25.36), nl_means: quality(26.04) }, mean_of_candidates: quality(29.1) },
      },
    },
    ...extra,
  };
}

/** The text of each table row, cells joined by " | ". */
function rows(html: string): string[] {
  return [...html.matchAll(/<tr>(.*?)<\/tr>/g)].map(([, row]) => [...row.matchAll(/<t[dh]>(.*?)<\/t[dh]>/g)].map(([, cell]) => cell.replace(/<!-- -->/g, "")).join(" | "));
}

describe("MetricsPanel", () => {
  it("puts generation beside the real-data floor, and each restoration beside its best classical baseline", () => {
    const html = renderToString(h(MetricsPanel, { metrics: evaluation() }));
    expect(html).toContain("feature space of the project's classifier");
    const table = rows(html);
    expect(table).toContain("this model (dpmpp_2m, 20 steps, guidance 3) | 400 | 51.23 | 81.3%");
    expect(table).toContain("real test images (the floor) | 400 | 11.28 | 89.3%");
    expect(table).toContain("task | damaged | best classical baseline | diffusion");
    expect(table).toContain("super resolution x4 | 20.68 | bicubic 21.87 | 20.47");
    expect(table).toContain("denoise 25 | 20.50 | nl means 26.04 | 28.05");
    expect(html).not.toContain("Guidance:");
  });

  it("shows the mean of candidates and the guidance sweep when the evaluation has them", () => {
    const runs = [1, 3].map((guidance, i) => ({ sampler: "dpmpp_2m", steps: 20, guidance, samples: 100, frechet_distance: 80 - 20 * i, class_accuracy: 0.4 + 0.4 * i }));
    const metrics = evaluation({ guidance_sweep: { runs } });
    metrics.restoration = { ...metrics.restoration, candidates: 4 } as typeof metrics.restoration;
    const table = rows(renderToString(h(MetricsPanel, { metrics })));
    expect(table).toContain("task | damaged | best classical baseline | diffusion | mean of 4");
    expect(table).toContain("super resolution x4 | 20.68 | bicubic 21.87 | 20.47 | 22.36");
    expect(table).toContain("1 | 80.00 | 40.0%");
    expect(table).toContain("3 | 60.00 | 80.0%");
  });

  it("lists the scalars of metrics of another shape, and says when there are none", () => {
    expect(renderToString(h(MetricsPanel, { metrics: { fid: 3.14159 } }))).toContain("<dd>3.142</dd>");
    expect(renderToString(h(MetricsPanel, { metrics: {} }))).toContain("None published.");
  });
});
