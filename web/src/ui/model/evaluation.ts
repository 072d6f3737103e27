/** A version's evaluation as model.eval writes it (model/eval.py) and the manifest carries it. */

export interface Scores {
  frechet_distance?: number;
  class_accuracy?: number;
  samples?: number;
}

export interface Generation extends Scores {
  sampler: string;
  steps: number;
  guidance: number;
  real_test?: Scores;
}

export interface Quality {
  psnr: number;
}

export interface RestorationTask {
  damaged: Quality;
  restored: Quality;
  /** The mean of several restorations (the page's "Average of"), in newer evaluations. */
  mean_of_candidates?: Quality;
  baselines: Record<string, Quality>;
}

export interface Restoration {
  images: number;
  candidates?: number;
  tasks: Record<string, RestorationTask>;
}

export interface Evaluation {
  note?: string;
  generation?: Generation;
  /** Each run on fewer samples than `generation`: its distances are larger, so it carries its own floor. */
  guidance_sweep?: { runs: Generation[]; real_test?: Scores };
  restoration?: Restoration;
}

/** The best classical baseline of a task: its name and score ("–" and none when there is none). */
export function bestBaseline(task: RestorationTask): [string, Quality | undefined] {
  return Object.entries(task.baselines).sort(([, a], [, b]) => b.psnr - a.psnr)[0] ?? ["–", undefined];
}

/** Below this, two PSNRs are a tie (colourising can return the gray input's own score). */
const CLEAR_WIN_DB = 0.1;

/** The tasks where a restoration (one, or the mean of several) clearly beats the best classical baseline's PSNR. */
export function tasksWon(restoration: Restoration, score: (task: RestorationTask) => Quality | undefined): string[] {
  return Object.entries(restoration.tasks)
    .filter(([, task]) => {
      const [, best] = bestBaseline(task);
      const ours = score(task);
      return ours !== undefined && (best === undefined || ours.psnr > best.psnr + CLEAR_WIN_DB);
    })
    .map(([name]) => name);
}

/** The damage of each task model.eval runs, in words; another task reads as its name. */
const DAMAGE: Record<string, string> = {
  denoise_25: "noise",
  denoise_50: "heavy noise",
  inpaint_box: "a missing square",
  inpaint_50pct: "half the pixels missing",
  super_resolution_x4: "4× too few pixels",
  colourise: "lost colour",
};

export const damageOf = (task: string) => DAMAGE[task] ?? task.replaceAll("_", " ");
