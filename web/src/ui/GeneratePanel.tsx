/** Generate: class, count, steps, sampler, guidance, seed; live previews; a grid to download. */
import { useState } from "preact/hooks";
import type { Manifest } from "../api/manifest.ts";
import { SAMPLERS, type SamplerName } from "../diffusion/samplers.ts";
import { downloadBlob, pngOf, rasterOf, type ImageShape } from "../image.ts";
import type { InferenceClient, JobResult } from "../inference/client.ts";
import { defaultGenerateParams } from "../inference/generate-job.ts";
import type { GenerateParams } from "../inference/protocol.ts";
import { ImageGrid } from "./ImageGrid.tsx";
import { Progress } from "./Progress.tsx";
import { useJob } from "./useJob.ts";

const SAMPLER_NAMES: Record<SamplerName, string> = {
  dpmpp_2m: "DPM-Solver++(2M)",
  dpmpp_3m: "DPM-Solver++(3M)",
  ddim: "DDIM",
  ddpm: "DDPM (ancestral)",
};
const SCALE = 8;

interface Props {
  client: InferenceClient;
  manifest: Manifest;
  ready: boolean;
}

export function GeneratePanel({ client, manifest, ready }: Props) {
  const shape: ImageShape = manifest.image;
  const { names, null_class: nullClass } = manifest.classes;
  const [params, setParams] = useState<GenerateParams>(() => defaultGenerateParams(manifest));
  const [result, setResult] = useState<(JobResult & { params: GenerateParams }) | null>(null);
  const job = useJob();
  const set = <K extends keyof GenerateParams>(key: K, value: GenerateParams[K]) => setParams((p) => ({ ...p, [key]: value }));
  const labelOf = (labels: Int32Array) => (i: number) => `Image ${i + 1}: ${names[labels[i]] ?? "unconditional"}`;

  async function generate(event: Event) {
    event.preventDefault();
    const done = await job.run((onProgress) => client.generate(params, onProgress));
    if (done) {
      setResult({ ...done, params });
    }
  }

  async function download(indices: number[], name: string) {
    if (!result) return;
    downloadBlob(await pngOf(result.images, indices, rasterOf(shape), Math.ceil(Math.sqrt(indices.length)), SCALE), name);
  }

  const { state } = job;
  return (
    <section aria-labelledby="generate-title">
      <h2 id="generate-title">Generate</h2>
      <form class="controls" onSubmit={generate}>
        <label>
          Class
          <select value={String(params.classLabel)} onChange={(e) => set("classLabel", e.currentTarget.value === "random" ? "random" : Number(e.currentTarget.value))}>
            {names.length > 0 && <option value="random">Any (a random class per image)</option>}
            {names.map((name, i) => (
              <option value={i} key={name}>
                {name}
              </option>
            ))}
            <option value={nullClass}>Unconditional</option>
          </select>
        </label>
        <label>
          Images
          <input type="number" min={1} max={64} required value={params.count} onInput={(e) => set("count", e.currentTarget.valueAsNumber)} />
        </label>
        <label>
          Steps
          <input type="number" min={1} max={manifest.diffusion.timesteps} required value={params.steps} onInput={(e) => set("steps", e.currentTarget.valueAsNumber)} />
        </label>
        <label>
          Sampler
          <select value={params.sampler} onChange={(e) => set("sampler", e.currentTarget.value as SamplerName)}>
            {(Object.keys(SAMPLERS) as SamplerName[]).map((name) => (
              <option value={name} key={name}>
                {SAMPLER_NAMES[name]}
              </option>
            ))}
          </select>
        </label>
        <label>
          Guidance <span>{params.guidance.toFixed(1)}</span>
          <input type="range" min={0} max={8} step={0.5} value={params.guidance} onInput={(e) => set("guidance", e.currentTarget.valueAsNumber)} />
        </label>
        <label>
          Seed
          <span class="row">
            <input type="number" min={0} max={2 ** 31 - 1} required value={params.seed} onInput={(e) => set("seed", e.currentTarget.valueAsNumber)} />
            <button type="button" onClick={() => set("seed", Math.floor(Math.random() * 2 ** 31))} >
              Random
            </button>
          </span>
        </label>
        <div class="row">
          <button type="submit" disabled={!ready || state.running}>
            Generate
          </button>
          <button type="button" onClick={job.cancel} disabled={!state.running}>
            Cancel
          </button>
        </div>
      </form>
      {state.running && <Progress label="Sampling" value={state.step} max={state.steps || params.steps} detail={`Step ${state.step} of ${state.steps || params.steps}`} />}
      {state.error && (
        <p role="alert" class="error">
          {state.error}
        </p>
      )}
      {state.running && state.preview && (
        <ImageGrid testId="generate-preview" values={state.preview} count={params.count} shape={shape} labelOf={(i) => `Preview ${i + 1}`} />
      )}
      {!state.running && result && (
        <>
          <ImageGrid
            testId="generate-result"
            values={result.images}
            count={result.params.count}
            shape={shape}
            labelOf={labelOf(result.labels)}
            onPick={(i) => download([i], `edge-diffusion-seed${result.params.seed}-${i + 1}.png`)}
          />
          <button type="button" onClick={() => download(Array.from({ length: result.params.count }, (_, i) => i), `edge-diffusion-seed${result.params.seed}-grid.png`)}>
            Download grid (PNG)
          </button>
        </>
      )}
    </section>
  );
}
