/**
 * A version's evaluation (model.eval's JSON, as the manifest carries it) for people: generation
 * quality beside the real-data floor, its dependence on guidance, and restoration PSNR beside the
 * best classical baseline.
 * Metrics of another shape fall back to their scalar entries.
 */
import { FactList } from "./FactList.tsx";

interface Scores {
  frechet_distance?: number;
  class_accuracy?: number;
  samples?: number;
}

interface Generation extends Scores {
  sampler: string;
  steps: number;
  guidance: number;
  real_test?: Scores;
}

interface Quality {
  psnr: number;
}

interface RestorationTask {
  damaged: Quality;
  restored: Quality;
  /** The mean of several restorations (the page's "Average of"), in newer evaluations. */
  mean_of_candidates?: Quality;
  baselines: Record<string, Quality>;
}

interface Evaluation {
  note?: string;
  generation?: Generation;
  guidance_sweep?: { runs: Generation[] };
  restoration?: { images: number; candidates?: number; tasks: Record<string, RestorationTask> };
}

const percent = (value?: number) => (value === undefined ? "–" : `${(100 * value).toFixed(1)}%`);
const fixed = (value?: number, digits = 2) => (value === undefined ? "–" : value.toFixed(digits));

/** One table of the panel: a header row and rows of cells, the first cell naming the row. */
function Table({ caption, head, rows }: { caption?: string; head: string[]; rows: (string | number)[][] }) {
  return (
    <table>
      {caption && <caption>{caption}</caption>}
      <thead>
        <tr>
          {head.map((cell) => (
            <th key={cell}>{cell}</th>
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

function GenerationTable({ generation }: { generation: Generation }) {
  const rows: [string, Scores | undefined][] = [
    [`this model (${generation.sampler}, ${generation.steps} steps, guidance ${generation.guidance})`, generation],
    ["real test images (the floor)", generation.real_test],
  ];
  return (
    <Table
      head={["generation", "samples", "Frechet distance", "class accuracy"]}
      rows={rows.map(([label, scores]) => [label, scores?.samples ?? "–", fixed(scores?.frechet_distance), percent(scores?.class_accuracy)])}
    />
  );
}

function GuidanceTable({ runs }: { runs: Generation[] }) {
  return (
    <Table
      caption={`Guidance: closer to the class, less varied (${runs[0].sampler}, ${runs[0].steps} steps, ${runs[0].samples} samples each)`}
      head={["guidance", "Frechet distance", "class accuracy"]}
      rows={runs.map((run) => [run.guidance, fixed(run.frechet_distance), percent(run.class_accuracy)])}
    />
  );
}

function RestorationTable({ restoration }: { restoration: NonNullable<Evaluation["restoration"]> }) {
  const { candidates } = restoration;
  const rows = Object.entries(restoration.tasks).map(([task, scores]) => {
    const [name, best] = Object.entries(scores.baselines).sort(([, a], [, b]) => b.psnr - a.psnr)[0] ?? ["–", undefined];
    const row = [task.replaceAll("_", " "), fixed(scores.damaged.psnr), `${name.replaceAll("_", " ")} ${fixed(best?.psnr)}`, fixed(scores.restored.psnr)];
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
  const scalars = Object.entries(metrics).filter(([, v]) => typeof v === "number" || typeof v === "string");
  return <FactList facts={Object.fromEntries(scalars)} format={(v) => (typeof v === "number" ? v.toPrecision(4) : String(v))} />;
}

export function MetricsPanel({ metrics }: { metrics: Record<string, unknown> }) {
  const evaluation = metrics as Evaluation;
  return (
    <div>
      <h3>Metrics</h3>
      {evaluation.note && <p class="hint">{evaluation.note}</p>}
      {evaluation.generation && <GenerationTable generation={evaluation.generation} />}
      {evaluation.guidance_sweep?.runs.length ? <GuidanceTable runs={evaluation.guidance_sweep.runs} /> : null}
      {evaluation.restoration?.tasks && <RestorationTable restoration={evaluation.restoration} />}
      {!evaluation.generation && !evaluation.restoration && <Scalars metrics={metrics} />}
    </div>
  );
}
