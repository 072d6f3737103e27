/**
 * How hard Fix my photo works: a preset by goal (Quick, Balanced, Best), and behind "Advanced" the
 * fields they set, each with one line of help.
 */
import type { Manifest } from "../../api/models.ts";
import { MAX_SEED } from "../shared/generate-form.ts";
import { NumberInput } from "../widgets/NumberInput.tsx";
import { type Effort, PRESETS, presetEffort, presetOf, serves } from "./photo-presets.ts";

export interface EffortSettings extends Effort {
  seed: number;
}

interface Props {
  manifest: Manifest;
  settings: EffortSettings;
  onChange: (change: Partial<EffortSettings>) => void;
  /** Why averaging would repeat the same restoration for this photo (null when candidates can differ). */
  oneCandidate: string | null;
  /** The photo is being enlarged: its presets derive from the enlargement defaults; Best is for enlargements, Quick for the rest. */
  enlarging: boolean;
  /** Why this many restorations cannot be averaged here (memory), or null. */
  averagingRefusal: string | null;
}

export function PhotoEffort({ manifest, settings, onChange, oneCandidate, enlarging, averagingRefusal }: Props) {
  const chosen = presetOf(manifest, settings, enlarging);
  return (
    <>
      <fieldset class="presets" data-testid="photo-presets">
        <legend>Quality</legend>
        {PRESETS.map((preset) => {
          const { name, help } = preset;
          const unused = !serves(preset, enlarging);
          return (
            <div class="preset" key={name}>
              <label class="check">
                <input
                  type="radio"
                  name="photo-preset"
                  checked={chosen === name}
                  disabled={unused && chosen !== name}
                  aria-describedby={`photo-preset-${name}`}
                  onChange={() => onChange(presetEffort(manifest, name, enlarging))}
                />{" "}
                {name}
              </label>
              <span class="hint" id={`photo-preset-${name}`}>
                {unused ? `${help} ${enlarging ? "Keep the photo's size" : "Choose an enlargement"} above to use it.` : help}
              </span>
            </div>
          );
        })}
        {chosen === null && <p class="hint">Custom: set under Advanced.</p>}
      </fieldset>
      <details class="wide advanced">
        <summary>Advanced: steps, repeats, averaging, seed</summary>
        <div class="controls">
          <div class="field">
            <label>
              Steps
              <NumberInput
                min={1}
                max={manifest.diffusion.timesteps}
                value={settings.steps}
                onValue={(steps) => onChange({ steps })}
                describedBy="photo-help-steps"
              />
            </label>
            <span class="hint" id="photo-help-steps">
              How many times the model refines the whole photo: more is slower, and can add detail.
            </span>
          </div>
          <div class="field">
            <label>
              Resampling (RePaint)
              <NumberInput
                min={1}
                max={10}
                value={settings.resample}
                onValue={(resample) => onChange({ resample })}
                describedBy="photo-help-resample"
              />
            </label>
            <span class="hint" id="photo-help-resample">
              Repeats each step, so what is filled in agrees with what is kept; each repeat costs a step.
            </span>
          </div>
          <div class="field">
            <label>
              Average of
              <NumberInput
                min={1}
                max={8}
                value={settings.candidates}
                onValue={(candidates) => onChange({ candidates })}
                describedBy={averagingRefusal ? "photo-help-average photo-average-refusal" : "photo-help-average"}
              />
            </label>
            <span class="hint" id="photo-help-average">
              1: one sharp, plausible restoration. More: their mean, softer but closer on average, with a map of where they disagree.
              {oneCandidate && settings.candidates > 1 && <span data-testid="photo-one-candidate"> One runs: {oneCandidate}.</span>}
            </span>
            {averagingRefusal && (
              <span class="error" id="photo-average-refusal" data-testid="photo-average-refusal">
                {averagingRefusal}
              </span>
            )}
          </div>
          <div class="field">
            <label>
              Seed
              <NumberInput
                min={0}
                max={MAX_SEED}
                value={settings.seed}
                onValue={(seed) => onChange({ seed })}
                describedBy="photo-help-seed"
              />
            </label>
            <span class="hint" id="photo-help-seed">
              Picks the random draws: the same seed and settings give the same result.
            </span>
          </div>
        </div>
      </details>
    </>
  );
}
