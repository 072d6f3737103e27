/** An evaluation of the shape model.eval writes (model/eval.py), for the model panel's tests. */
const quality = (psnr: number) => ({ psnr, ssim: 0.5 });

/** Numbers that are easy to find; `extra` adds or replaces sections. */
export function evaluation(extra: Record<string, unknown> = {}) {
  return {
    note: "Frechet distance in the feature space of the project's classifier",
    generation: {
      sampler: "dpmpp_2m",
      steps: 20,
      guidance: 3,
      samples: 400,
      frechet_distance: 51.234,
      class_accuracy: 0.8125,
      real_test: { samples: 400, frechet_distance: 11.276, class_accuracy: 0.8925 },
    },
    restoration: {
      images: 40,
      tasks: {
        super_resolution_x4: {
          damaged: quality(20.68),
          restored: quality(20.47),
          baselines: { bicubic: quality(21.87) },
          mean_of_candidates: quality(22.36),
        },
        denoise_25: {
          damaged: quality(20.5),
          restored: quality(28.05),
          baselines: { tv: quality(25.36), nl_means: quality(26.04) },
          mean_of_candidates: quality(29.1),
        },
      },
    },
    ...extra,
  };
}
