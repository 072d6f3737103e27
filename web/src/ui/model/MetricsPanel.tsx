/**
 * A version's evaluation as tables, for specialists: generation quality beside the real-data floor,
 * its dependence on guidance, and restoration PSNR beside the best classical baseline. Each table
 * names its sample count: Frechet distances shrink as samples grow, so they compare within a table only.
 * Metrics of another shape fall back to their scalar entries.
 */

import { formatPercent } from "../shared/format.ts";
import { FactList } from "../widgets/FactList.tsx";
import { bestBaseline, type Evaluation, type Generation, type Restoration, type Scores } from "./evaluation.ts";

const percent = (value?: number) => (value === undefined ? "–" : formatPercent(value, 1));
const fixed = (value?: number, digits = 2) => (value === undefined ? "–" : value.toFixed(digits));
const FLOOR = "real test images (the floor)";

/** One table: a caption, a header row and rows of cells, the first cell naming the row. */
function Table({ caption, head, rows }: { caption: string; head: string[]; rows: (string | number)[][] }) {
  return (
    <table>
      <caption>{caption}</caption>
      <thead>
        <tr>
          {head.map((cell) => (
            <th key={cell} scope="col">
              {cell}
            </th>
          ))}
        </tr>
      </thead>
      <tbody>
        {rows.map((row) => (
          <tr key={row[0]}>
            {row.map((cell, i) => (
              <td key={i}>{cell}</td>
            ))}
          </tr>
        ))}
      </tbody>
    </table>
  );
}

const scoreCells = (scores?: Scores) => [fixed(scores?.frechet_distance), percent(scores?.class_accuracy)];

function GenerationTable({ generation }: { generation: Generation }) {
  return (
    <Table
      caption={`Generation, ${generation.samples ?? "–"} samples (${generation.sampler}, ${generation.steps} steps, guidance ${generation.guidance})`}
      head={["generation", "Frechet distance", "class accuracy"]}
      rows={[
        ["this model", ...scoreCells(generation)],
        [FLOOR, ...scoreCells(generation.real_test)],
      ]}
    />
  );
}

function GuidanceTable({ sweep }: { sweep: NonNullable<Evaluation["guidance_sweep"]> }) {
  const [first] = sweep.runs;
  const rows = sweep.runs.map((run) => [run.guidance, ...scoreCells(run)]);
  return (
    <Table
      caption={`Guidance, ${first.samples ?? "–"} samples each (${first.sampler}, ${first.steps} steps): closer to the class, less varied`}
      head={["guidance", "Frechet distance", "class accuracy"]}
      rows={sweep.real_test ? [...rows, [FLOOR, ...scoreCells(sweep.real_test)]] : rows}
    />
  );
}

function RestorationTable({ restoration }: { restoration: Restoration }) {
  const { candidates } = restoration;
  const rows = Object.entries(restoration.tasks).map(([task, scores]) => {
    const [name, best] = bestBaseline(scores);
    const row = [
      task.replaceAll("_", " "),
      fixed(scores.damaged.psnr),
      `${name.replaceAll("_", " ")} ${fixed(best?.psnr)}`,
      fixed(scores.restored.psnr),
    ];
    return candidates ? [...row, fixed(scores.mean_of_candidates?.psnr)] : row;
  });
  const head = ["task", "damaged", "best classical baseline", "diffusion"];
  return (
    <Table
      caption={`Restoration of ${restoration.images} test images, PSNR in dB`}
      head={candidates ? [...head, `mean of ${candidates}`] : head}
      rows={rows}
    />
  );
}

function Scalars({ metrics }: { metrics: Record<string, unknown> }) {
  const scalars = Object.entries(metrics).flatMap(([key, v]) =>
    typeof v === "number" ? [[key, v.toPrecision(4)]] : typeof v === "string" ? [[key, v]] : [],
  );
  return <FactList facts={Object.fromEntries(scalars)} />;
}

export function MetricsPanel({ metrics }: { metrics: Record<string, unknown> }) {
  const evaluation = metrics as Evaluation;
  return (
    <div>
      <h3>Evaluation</h3>
      {evaluation.note && <p class="hint">{evaluation.note}</p>}
      {evaluation.generation && (
        <p class="hint">Frechet distances shrink as the samples grow: compare them within a table, not across tables.</p>
      )}
      {evaluation.generation && <GenerationTable generation={evaluation.generation} />}
      {evaluation.guidance_sweep?.runs.length ? <GuidanceTable sweep={evaluation.guidance_sweep} /> : null}
      {evaluation.restoration?.tasks && <RestorationTable restoration={evaluation.restoration} />}
      {!evaluation.generation && !evaluation.restoration && <Scalars metrics={metrics} />}
    </div>
  );
}
