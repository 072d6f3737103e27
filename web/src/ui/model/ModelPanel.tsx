/**
 * The model version in use: a plain summary first, then, behind "Details", the version picker, its
 * technical facts, its training record and its evaluation tables.
 */
import type { PublishedVersion, VersionSummary } from "../../api/models.ts";
import { formatDate } from "../shared/format.ts";
import { FactList } from "../widgets/FactList.tsx";
import { MetricsPanel } from "./MetricsPanel.tsx";
import { ModelSummary } from "./ModelSummary.tsx";
import { trainingFacts } from "./model-facts.ts";

interface Props {
  version: PublishedVersion;
  /** The picker's choices: the published list, or the version alone when the list could not be read. */
  versions: (Pick<VersionSummary, "id"> & Partial<VersionSummary>)[];
  onPick: (id: string) => void;
  disabled: boolean;
}

export function ModelPanel({ version, versions, onPick, disabled }: Props) {
  const { manifest } = version;
  return (
    <section id="model" aria-labelledby="model-title" class="model-panel" data-testid="model-panel">
      <h2 id="model-title">About the model</h2>
      <ModelSummary manifest={manifest} />
      <details>
        <summary>Details: version, training record and evaluation tables</summary>
        <label>
          Version
          <select value={version.id} disabled={disabled} onChange={(e) => onPick(e.currentTarget.value)}>
            {versions.map((v) => (
              <option value={v.id} key={v.id}>
                {v.id}
                {v.teacher ? " (distilled student)" : ""}
                {v.current ? " (current)" : v.status === "retired" ? " (retired)" : ""}
              </option>
            ))}
          </select>
        </label>
        <p>
          <strong>{manifest.name}</strong>: {manifest.image.size}×{manifest.image.size}, {manifest.classes.names.length} classes,{" "}
          {manifest.diffusion.schedule} schedule over {manifest.diffusion.timesteps} steps, predicts {manifest.diffusion.prediction}.
          Exported on {formatDate(manifest.created)}.
        </p>
        <h3>Training</h3>
        <FactList facts={trainingFacts(manifest.training)} />
        <MetricsPanel metrics={manifest.metrics} />
      </details>
    </section>
  );
}
