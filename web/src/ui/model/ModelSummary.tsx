/**
 * The model in plain words, before any table: what it is, how it was made, and how well it generates
 * and restores, each number beside the one it should be read against.
 */
import type { Manifest } from "../../api/models.ts";
import { formatCount, formatDate, formatDuration, formatPercent } from "../shared/format.ts";
import { damageOf, type Evaluation, type Generation, type Restoration, tasksWon } from "./evaluation.ts";
import { datasetName, type Training } from "./model-facts.ts";

function whatItIs(manifest: Manifest): string {
  const { parameters, images_seen: imagesSeen, wall_seconds: seconds } = manifest.training as Training;
  const dataset = datasetName(manifest);
  const studentSteps = manifest.defaults.generate.timesteps?.length;
  const parts = [
    "A diffusion model",
    parameters !== undefined && ` of ${formatCount(parameters)} parameters (large image generators have billions)`,
    studentSteps !== undefined &&
      `, distilled${manifest.teacher ? ` from ${manifest.teacher}` : ""} to draw a picture in ${studentSteps} network passes, guidance built in`,
    `, trained${dataset ? ` on ${dataset}` : ""}${seconds !== undefined ? ` in ${formatDuration(seconds)}` : ""}`,
    imagesSeen !== undefined &&
      `, looking at ${formatCount(imagesSeen)} pictures${studentSteps !== undefined ? " (its teacher's among them)" : ""}`,
    `. Made on ${formatDate(manifest.created)}.`,
  ];
  return parts.filter(Boolean).join("");
}

function GenerationSummary({ generation: g, student }: { generation: Generation; student: boolean }) {
  const floor = g.real_test;
  return (
    <p>
      <strong>Generating.</strong>
      {g.class_accuracy !== undefined &&
        ` Asked for a class, it draws a picture that a separate classifier recognises as that class ${formatPercent(g.class_accuracy)} of the time${floor?.class_accuracy !== undefined ? ` (real test photos: ${formatPercent(floor.class_accuracy)})` : ""}.`}
      {g.frechet_distance !== undefined &&
        ` Its pictures are less realistic than real photos: their Frechet distance to real photos (lower is more realistic) is ${g.frechet_distance.toFixed(1)}${floor?.frechet_distance !== undefined ? `, where real test photos score ${floor.frechet_distance.toFixed(1)}` : ""}.`}{" "}
      Measured on {g.samples ?? "its"} pictures at {g.steps} steps, {student ? "guidance built in" : `guidance ${g.guidance}`}.
    </p>
  );
}

function RestorationSummary({ restoration }: { restoration: Restoration }) {
  const kinds = Object.keys(restoration.tasks).length;
  const won = tasksWon(restoration, (task) => task.restored);
  const { candidates } = restoration;
  const averaged = candidates ? tasksWon(restoration, (task) => task.mean_of_candidates) : [];
  return (
    <p>
      <strong>Restoring.</strong> On {restoration.images} damaged test pictures, one restoration comes closer to the original than the best
      classical method for {won.length} of {kinds} kinds of damage{won.length > 0 && ` (${won.map(damageOf).join(", ")})`}
      {candidates ? `; the mean of ${candidates} restorations (“Average of”) does so for ${averaged.length}` : ""}.
    </p>
  );
}

export function ModelSummary({ manifest }: { manifest: Manifest }) {
  const evaluation = manifest.metrics as Evaluation;
  return (
    <div data-testid="model-summary">
      <p>{whatItIs(manifest)}</p>
      {evaluation.generation && (
        <GenerationSummary generation={evaluation.generation} student={manifest.defaults.generate.timesteps !== undefined} />
      )}
      {evaluation.restoration?.tasks && <RestorationSummary restoration={evaluation.restoration} />}
      {manifest.teacher && !evaluation.restoration && (
        <p>
          <strong>Restoring.</strong> Its teacher, {manifest.teacher}, restores: a restoration takes as many passes on either model.
        </p>
      )}
      {!evaluation.generation && !evaluation.restoration && <p>No evaluation has been published for this version yet.</p>}
    </div>
  );
}
