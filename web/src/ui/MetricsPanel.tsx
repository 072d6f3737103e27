/**
 * A version's evaluation (model.eval's JSON, as the manifest carries it) for people: generation
 * quality beside the real-data floor, its dependence on guidance, and restoration PSNR beside the
 * best classical baseline.
 * Metrics of another shape fall back to their scalar entries.
 */
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

function GenerationTable({ generation }: { generation: Generation }) {
  const rows: [string, Scores | undefined][] = [
    [`this model (${generation.sampler}, ${generation.steps} steps, guidance ${generation.guidance})`, generation],
    ["real test images (the floor)", generation.real_test],
  ];
  return (
    <table>
      <thead>
        <tr>
          <th>generation</th>
          <th>samples</th>
          <th>Frechet distance</th>
          <th>class accuracy</th>
        </tr>
      </thead>
      <tbody>
        {rows.map(([label, scores]) => (
          <tr key={label}>
            <td>{label}</td>
            <td>{scores?.samples ?? "–"}</td>
            <td>{fixed(scores?.frechet_distance)}</td>
            <td>{percent(scores?.class_accuracy)}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

function GuidanceTable({ runs }: { runs: Generation[] }) {
  return (
    <table>
      <caption>
        Guidance: closer to the class, less varied ({runs[0].sampler}, {runs[0].steps} steps, {runs[0].samples} samples each)
      </caption>
      <thead>
        <tr>
          <th>guidance</th>
          <th>Frechet distance</th>
          <th>class accuracy</th>
        </tr>
      </thead>
      <tbody>
        {runs.map((run) => (
          <tr key={run.guidance}>
            <td>{run.guidance}</td>
            <td>{fixed(run.frechet_distance)}</td>
            <td>{percent(run.class_accuracy)}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

function RestorationTable({ restoration }: { restoration: NonNullable<Evaluation["restoration"]> }) {
  return (
    <table>
      <caption>Restoration of {restoration.images} test images, PSNR in dB</caption>
      <thead>
        <tr>
          <th>task</th>
          <th>damaged</th>
          <th>best classical baseline</th>
          <th>diffusion</th>
          {restoration.candidates && <th>mean of {restoration.candidates}</th>}
        </tr>
      </thead>
      <tbody>
        {Object.entries(restoration.tasks).map(([task, scores]) => {
          const [name, best] = Object.entries(scores.baselines).sort(([, a], [, b]) => b.psnr - a.psnr)[0] ?? ["–", undefined];
          return (
            <tr key={task}>
              <td>{task.replaceAll("_", " ")}</td>
              <td>{fixed(scores.damaged.psnr)}</td>
              <td>
                {name.replaceAll("_", " ")} {fixed(best?.psnr)}
              </td>
              <td>{fixed(scores.restored.psnr)}</td>
              {restoration.candidates && <td>{fixed(scores.mean_of_candidates?.psnr)}</td>}
            </tr>
          );
        })}
      </tbody>
    </table>
  );
}

function Scalars({ metrics }: { metrics: Record<string, unknown> }) {
  const scalars = Object.entries(metrics).filter(([, v]) => typeof v === "number" || typeof v === "string");
  if (scalars.length === 0) return <p class="hint">None published.</p>;
  return (
    <dl>
      {scalars.map(([key, value]) => (
        <div key={key}>
          <dt>{key.replaceAll("_", " ")}</dt>
          <dd>{typeof value === "number" ? value.toPrecision(4) : String(value)}</dd>
        </div>
      ))}
    </dl>
  );
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
