/** What the manifest says about how a model was made, in words. */
import type { Manifest } from "../../api/models.ts";
import { formatDuration } from "../shared/format.ts";

/** The manifest's training facts (model/onnx_export/manifest.py `training_facts`); a model may lack any of them. */
export interface Training {
  dataset?: string;
  parameters?: number;
  images_seen?: number;
  wall_seconds?: number;
}

/** The training data's name without its split ("CIFAR-10 (train)" reads "CIFAR-10", as in model/onnx_export/manifest.py's version ids); null when not recorded. */
export function datasetName(manifest: Manifest): string | null {
  const { dataset } = manifest.training as Training;
  return typeof dataset === "string" ? dataset.split(" (")[0] : null;
}

function formatValue(value: unknown): string {
  if (typeof value === "number") return Number.isInteger(value) ? value.toLocaleString("en") : value.toPrecision(4);
  if (typeof value === "string") return value;
  return JSON.stringify(value);
}

/** The manifest's durations in seconds, by the words the details list shows them under. */
const DURATIONS: Record<string, string> = { wall_seconds: "training time", last_run_wall_seconds: "last run's time" };

/** The training record for the details list: every fact, the durations as durations. */
export function trainingFacts(training: Record<string, unknown>): Record<string, string> {
  return Object.fromEntries(
    Object.entries(training).map(([key, value]) =>
      key in DURATIONS && typeof value === "number" ? [DURATIONS[key], formatDuration(value)] : [key, formatValue(value)],
    ),
  );
}
