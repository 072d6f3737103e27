/**
 * Fix my photo's presets by goal. Each is an effort (steps, RePaint repeats, restorations averaged)
 * derived from the version's measured defaults for the task's kind (an enlargement, or any other
 * task), so a new model brings its own. The help says what model.eval_photos measured for the
 * default model (web/README.md, "Quality presets").
 */
import { photoDefaults } from "../../../../worker/contract/photo-defaults.ts";
import type { Manifest } from "../../api/models.ts";

export interface Effort {
  steps: number;
  resample: number;
  candidates: number;
}

export type PresetName = "Quick" | "Balanced" | "Best";

/** The kind of task a preset serves, when only one: a photo kept at its size, or one enlarged. */
export type TaskKind = "kept" | "enlarging";

interface Preset {
  name: PresetName;
  /** One line for the visitor: what it is for, and what it costs against Balanced. */
  help: string;
  effort: (defaults: Manifest["defaults"]["restore_photo"], timesteps: number) => Effort;
  /**
   * Only for this kind of task. Best, for enlargements: on noise and painted parts more steps and repeats
   * measured no better (grainier on noise). Quick, for photos kept at their size: half an enlargement's
   * steps fell well below Lanczos.
   */
  only?: TaskKind;
}

export const PRESETS: readonly Preset[] = [
  {
    name: "Quick",
    help: "Half the steps, for photos kept at their size: heavy noise comes out a little worse.",
    effort: ({ steps, resample }) => ({ steps: Math.max(1, Math.round(steps / 2)), resample, candidates: 1 }),
    only: "kept",
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
    only: "enlarging",
  },
];

/** Whether the preset serves a task of this kind (`enlarging`: the photo is enlarged). */
export const serves = ({ only }: Pick<Preset, "only">, enlarging: boolean) => only === undefined || (only === "enlarging") === enlarging;

const named = (name: PresetName) => PRESETS.find((p) => p.name === name)!;

/** The preset's effort for a task of this kind (`enlarging`: the photo is enlarged). */
export function presetEffort(m: Manifest, name: PresetName, enlarging: boolean): Effort {
  return named(name).effort(photoDefaults(m, enlarging), m.diffusion.timesteps);
}

/** The preset these settings are for a task of this kind, or null when the Advanced fields made them something else. */
export function presetOf(m: Manifest, effort: Effort, enlarging: boolean): PresetName | null {
  const same = (a: Effort) => a.steps === effort.steps && a.resample === effort.resample && a.candidates === effort.candidates;
  return PRESETS.find((p) => serves(p, enlarging) && same(presetEffort(m, p.name, enlarging)))?.name ?? null;
}

/**
 * The effort after the visitor switches between enlarging and not: a preset follows the new task's
 * defaults (one that does not serve the new task, Best kept at size or Quick enlarged, becomes
 * Balanced); effort set by hand under Advanced stays as set.
 */
export function effortOnSwitch(m: Manifest, { steps, resample, candidates }: Effort, wasEnlarging: boolean, enlarging: boolean): Effort {
  const preset = presetOf(m, { steps, resample, candidates }, wasEnlarging);
  if (preset === null || wasEnlarging === enlarging) return { steps, resample, candidates };
  return presetEffort(m, serves(named(preset), enlarging) ? preset : "Balanced", enlarging);
}
