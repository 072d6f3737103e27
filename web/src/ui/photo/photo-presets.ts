/**
 * Fix my photo's presets by goal. Each is an effort (steps, RePaint repeats, restorations averaged)
 * derived from the version's measured defaults, so a new model brings its own. The help says what
 * model.eval_photos measured for the default model (web/README.md, "Quality presets").
 */
import type { Manifest } from "../../api/models.ts";

export interface Effort {
  steps: number;
  resample: number;
  candidates: number;
}

export type PresetName = "Quick" | "Balanced" | "Best";

interface Preset {
  name: PresetName;
  /** One line for the visitor: what it is for, and what it costs against Balanced. */
  help: string;
  effort: (defaults: Manifest["defaults"]["restore_photo"], timesteps: number) => Effort;
  /** Only for enlargements: on noise and painted parts, more steps and repeats measured no better (grainier on noise). */
  enlargingOnly?: boolean;
}

export const PRESETS: readonly Preset[] = [
  {
    name: "Quick",
    help: "Half the time: as good on noise and holes, slightly softer enlargements.",
    effort: ({ steps, resample }) => ({ steps: Math.max(1, Math.round(steps / 2)), resample, candidates: 1 }),
  },
  {
    name: "Balanced",
    help: "The settings this model was measured at.",
    effort: ({ steps, resample }) => ({ steps, resample, candidates: 1 }),
  },
  {
    name: "Best",
    help: "For enlargements: twice the steps, each repeated, about four times as long, for finer detail.",
    effort: ({ steps, resample }, timesteps) => ({ steps: Math.min(timesteps, 2 * steps), resample: Math.max(2, resample), candidates: 1 }),
    enlargingOnly: true,
  },
];

export function presetEffort(m: Manifest, name: PresetName): Effort {
  return PRESETS.find((p) => p.name === name)!.effort(m.defaults.restore_photo, m.diffusion.timesteps);
}

/** The preset these settings are, or null when the Advanced fields made them something else. */
export function presetOf(m: Manifest, effort: Effort): PresetName | null {
  const same = (a: Effort) => a.steps === effort.steps && a.resample === effort.resample && a.candidates === effort.candidates;
  return PRESETS.find((p) => same(presetEffort(m, p.name)))?.name ?? null;
}
