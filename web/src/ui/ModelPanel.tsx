/** The model version in use: its facts, training and metrics from the API, and the other published versions. */
import type { PublishedVersion, VersionSummary } from "../api/manifest.ts";
import { FactList } from "./FactList.tsx";
import { MetricsPanel } from "./MetricsPanel.tsx";

interface Props {
  version: PublishedVersion;
  /** The picker's choices: the published list, or the version alone when the list could not be read. */
  versions: (Pick<VersionSummary, "id"> & Partial<VersionSummary>)[];
  onPick: (id: string) => void;
  disabled: boolean;
}

function formatValue(value: unknown): string {
  if (typeof value === "number") return Number.isInteger(value) ? value.toLocaleString("en") : value.toPrecision(4);
  if (typeof value === "string") return value;
  return JSON.stringify(value);
}

function Facts({ title, facts }: { title: string; facts: Record<string, unknown> }) {
  return (
    <div>
      <h3>{title}</h3>
      <FactList facts={facts} format={formatValue} />
    </div>
  );
}

export function ModelPanel({ version, versions, onPick, disabled }: Props) {
  const { manifest } = version;
  return (
    <section aria-labelledby="model-title" class="model-panel" data-testid="model-panel">
      <h2 id="model-title">Model</h2>
      <label>
        Version
        <select value={version.id} disabled={disabled} onChange={(e) => onPick(e.currentTarget.value)}>
          {versions.map((v) => (
            <option value={v.id} key={v.id}>
              {v.id}
              {v.current ? " (current)" : v.status === "retired" ? " (retired)" : ""}
            </option>
          ))}
        </select>
      </label>
      <p>
        <strong>{manifest.name}</strong>: {manifest.image.size}×{manifest.image.size}, {manifest.classes.names.length} classes, {manifest.diffusion.schedule} schedule over{" "}
        {manifest.diffusion.timesteps} steps, predicts {manifest.diffusion.prediction}. Created {manifest.created}.
      </p>
      <Facts title="Training" facts={manifest.training} />
      <MetricsPanel metrics={manifest.metrics} />
    </section>
  );
}
