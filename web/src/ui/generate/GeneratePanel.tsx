/**
 * Generate: class, count, steps, sampler, guidance, seed; live previews; labelled results to enlarge
 * and download, each PNG with the settings that made it; a PNG from here, dropped or chosen, fills the form again.
 */
import { useEffect, useRef, useState } from "preact/hooks";
import type { Manifest } from "../../api/models.ts";
import { SAMPLERS, type SamplerName } from "../../diffusion/samplers.ts";
import { downloadBlob, type ImageShape, pngOf, rasterOf } from "../../image.ts";
import type { InferenceClient, JobResult } from "../../inference/client.ts";
import { defaultGenerateParams, passesPerImage } from "../../inference/generate-job.ts";
import type { GenerateParams } from "../../inference/protocol.ts";
import { generateParameters } from "../../parameters.ts";
import { useFinishNotice } from "../hooks/useFinishNotice.ts";
import { useJob } from "../hooks/useJob.ts";
import type { RelatedModel } from "../model/related-models.ts";
import { GUIDANCE_RANGE, guidanceText, MAX_IMAGES, MAX_SEED, SAMPLER_LABELS } from "../shared/generate-form.ts";
import { gridColumns } from "../widgets/grid-columns.ts";
import { ImageGrid, WIDE_COLUMNS } from "../widgets/ImageGrid.tsx";
import { NumberInput } from "../widgets/NumberInput.tsx";
import { Progress } from "../widgets/Progress.tsx";
import { ImageDialog } from "./ImageDialog.tsx";
import { SettingsFile } from "./SettingsFile.tsx";
import { type FromFile, settingsFromFile } from "./settings-file.ts";

const SCALE = 8;
/** A sampler menu value that switches to another model version instead of a sampler. */
const MODEL_CHOICE = "model:";

interface Props {
  client: InferenceClient;
  manifest: Manifest;
  ready: boolean;
  /** Versions offered in the sampler menu (a student's teacher, a teacher's students); picking one loads it. */
  otherModels: RelatedModel[];
  onModel: (id: string) => void;
}

interface Result extends JobResult {
  params: GenerateParams;
  seconds: number;
}

/** An image's caption: its class, then where it comes from (the seed, and its place in the batch the seed made). */
function Caption({ name, seed, index }: { name: string; seed: number; index: number }) {
  return (
    <>
      <span class="name">{name}</span>
      <span class="hint">
        seed {seed} · #{index + 1}
      </span>
    </>
  );
}

export function GeneratePanel({ client, manifest, ready, otherModels, onModel }: Props) {
  const shape: ImageShape = manifest.image;
  const { names, null_class: nullClass } = manifest.classes;
  const [params, setParams] = useState<GenerateParams>(() => defaultGenerateParams(manifest));
  // The settings of the run in progress: editing the form meanwhile changes neither its previews nor its result.
  const [submitted, setSubmitted] = useState<GenerateParams>(params);
  const [result, setResult] = useState<Result | null>(null);
  const [enlarged, setEnlarged] = useState<number | null>(null);
  const [fromFile, setFromFile] = useState<FromFile | null>(null);
  // A distilled student samples at its own timesteps (generateTimesteps), one pass per step.
  const studentSteps = manifest.defaults.generate.timesteps?.length ?? null;
  const job = useJob();
  const { announce } = useFinishNotice(job.state, { running: "Generating", done: "Generated", body: "Your images are ready." });
  const set = <K extends keyof GenerateParams>(key: K, value: GenerateParams[K]) => setParams((p) => ({ ...p, [key]: value }));
  /** An image's class in words: "unconditional" where the class was ignored (guidance 0) or none was asked. */
  const classOf = (run: Result, i: number) => names[run.labels[i]] ?? "unconditional";
  const altOf = (run: Result, i: number) => `Generated image ${i + 1} of ${run.params.count}: ${classOf(run, i)}, seed ${run.params.seed}`;

  const { state } = job;
  const output = useRef<HTMLDivElement>(null);
  // Set by Generate, spent by the run's first preview: it is scrolled into view once, so on a phone the
  // images do not land below the screen. The result takes the preview's place and size (same grid and
  // captions, a status line of one height), so it is in view too, and the visitor may scroll meanwhile.
  const reveal = useRef(false);
  const images = state.running ? state.preview : (result?.images ?? null);
  useEffect(() => {
    if (!reveal.current || !images) return;
    reveal.current = false;
    output.current?.scrollIntoView({ block: "nearest" });
  }, [images]);

  async function generate(event: Event) {
    // The browser has checked the number fields (required, min, max, whole): params holds valid numbers.
    event.preventDefault();
    setSubmitted(params);
    setEnlarged(null);
    reveal.current = true;
    const started = performance.now();
    const done = await job.run((options) => client.generate(params, options));
    if (done) {
      setResult({ ...done, params, seconds: (performance.now() - started) / 1000 });
      announce();
    }
  }

  /** `index`: one image of the result; none: the grid of all of them. */
  async function download(name: string, index?: number) {
    if (!result) return;
    const indices = index === undefined ? Array.from({ length: result.params.count }, (_, i) => i) : [index];
    const parameters = generateParameters(manifest, result.params, index);
    // The PNG is laid out as the page shows the grid on a wide screen (16 images: 8x2).
    downloadBlob(await pngOf(result.images, indices, rasterOf(shape), gridColumns(indices.length, WIDE_COLUMNS), SCALE, parameters), name);
  }

  // Two files dropped in quick succession: only the last one's settings are taken.
  const reads = useRef(0);
  async function takeSettings(file: File) {
    const read = ++reads.current;
    const outcome = await settingsFromFile(file, file.name, manifest);
    if (read !== reads.current) return;
    setFromFile(outcome);
    if (outcome.ok) setParams((form) => ({ ...form, ...outcome.settings }));
  }
  // Only drags that carry files: text dragged into a field is the browser's to drop.
  const carriesFiles = (e: DragEvent) => e.dataTransfer?.types.includes("Files") ?? false;

  return (
    <section
      aria-labelledby="generate-title"
      onDragOver={(e) => carriesFiles(e) && e.preventDefault()}
      onDrop={(e) => {
        if (!carriesFiles(e)) return;
        e.preventDefault();
        const file = e.dataTransfer?.files[0];
        if (file) takeSettings(file);
      }}
    >
      <h2 id="generate-title">Generate</h2>
      <form class="controls" onSubmit={generate}>
        <label class="span-2">
          Class
          <select
            value={String(params.classLabel)}
            onChange={(e) => set("classLabel", e.currentTarget.value === "random" ? "random" : Number(e.currentTarget.value))}
          >
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
          <NumberInput min={1} max={MAX_IMAGES} value={params.count} onValue={(n) => set("count", n)} />
        </label>
        <label>
          Steps
          <NumberInput min={1} max={manifest.diffusion.timesteps} value={params.steps} onValue={(n) => set("steps", n)} />
        </label>
        <label>
          Sampler
          <select
            value={params.sampler}
            onChange={(e) => {
              const { value } = e.currentTarget;
              if (value.startsWith(MODEL_CHOICE)) {
                e.currentTarget.value = params.sampler; // this model's sampler shows until the other model loads
                onModel(value.slice(MODEL_CHOICE.length));
              } else {
                set("sampler", value as SamplerName);
              }
            }}
          >
            {(Object.keys(SAMPLERS) as SamplerName[]).map((name) => (
              <option value={name} key={name}>
                {SAMPLER_LABELS[name]}
              </option>
            ))}
            {otherModels.length > 0 && (
              <optgroup label="Another model (loads it)">
                {otherModels.map((model) => (
                  <option value={MODEL_CHOICE + model.id} key={model.id}>
                    {model.label}
                  </option>
                ))}
              </optgroup>
            )}
          </select>
        </label>
        <div class="field span-2">
          <label for="guidance" class="inline">
            Guidance <span>{guidanceText(params.guidance)}</span>
          </label>
          <input
            id="guidance"
            type="range"
            {...GUIDANCE_RANGE}
            value={params.guidance}
            aria-describedby="guidance-hint"
            onInput={(e) => set("guidance", e.currentTarget.valueAsNumber)}
          />
          <p class="hint" id="guidance-hint">
            0 = ignore the class (unconditional). Higher: more typical of the class, less varied.
          </p>
        </div>
        <label>
          Seed
          <span class="row">
            <NumberInput min={0} max={MAX_SEED} value={params.seed} onValue={(n) => set("seed", n)} />
            <button type="button" onClick={() => set("seed", Math.floor(Math.random() * 2 ** 31))}>
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
        <p class="hint span-2" data-testid="passes">
          {studentSteps &&
            `A distilled student: it learned to sample in ${studentSteps} steps of DDIM, guidance built in${params.steps === studentSteps ? "" : "; other step counts are untested"}. `}
          {passesPerImage(manifest, params)} network passes per image.
        </p>
      </form>
      <SettingsFile onFile={takeSettings} outcome={fromFile} />
      <div ref={output} class="output">
        {(state.running || result) && (
          <div class="status-line">
            {state.running ? (
              <Progress
                label="Sampling"
                value={state.step}
                max={state.steps || submitted.steps}
                detail={`Step ${state.step} of ${state.steps || submitted.steps}`}
              />
            ) : (
              result && (
                <p>
                  {result.params.count} image{result.params.count === 1 ? "" : "s"} in {result.seconds.toFixed(1)} s on this device.
                </p>
              )
            )}
          </div>
        )}
        {state.error && (
          <p role="alert" class="error">
            {state.error}
          </p>
        )}
        {state.running && state.preview && (
          <ImageGrid
            testId="generate-preview"
            values={state.preview}
            count={submitted.count}
            shape={shape}
            labelOf={(i) => `Preview of image ${i + 1} of ${submitted.count}`}
            captionOf={(i) => <Caption name="…" seed={submitted.seed} index={i} />}
          />
        )}
        {!state.running && result && (
          <>
            <ImageGrid
              testId="generate-result"
              values={result.images}
              count={result.params.count}
              shape={shape}
              labelOf={(i) => altOf(result, i)}
              captionOf={(i) => <Caption name={classOf(result, i)} seed={result.params.seed} index={i} />}
              onPick={setEnlarged}
            />
            <div class="row wrap">
              <button type="button" onClick={() => download(`edge-diffusion-seed${result.params.seed}-grid.png`)}>
                Download grid (PNG)
              </button>
              <span class="hint">Click an image to enlarge it and see how it was made.</span>
            </div>
          </>
        )}
      </div>
      {!state.running && result && enlarged !== null && (
        <ImageDialog
          title={`Image ${enlarged + 1} of ${result.params.count}: ${classOf(result, enlarged)}`}
          values={result.images}
          index={enlarged}
          count={result.params.count}
          onIndex={setEnlarged}
          raster={rasterOf(shape)}
          label={altOf(result, enlarged)}
          facts={{
            class: classOf(result, enlarged),
            seed: `${result.params.seed} (image ${enlarged + 1} of ${result.params.count})`,
            steps: String(result.params.steps),
            sampler: SAMPLER_LABELS[result.params.sampler],
            guidance: guidanceText(result.params.guidance),
          }}
          onClose={() => {
            setEnlarged(null);
            // The browser hands focus back to the image first opened; the one shown last is where the visitor is.
            output.current?.querySelectorAll<HTMLButtonElement>("[data-testid=generate-result] button")[enlarged]?.focus();
          }}
        >
          <button
            type="button"
            onClick={() => download(`edge-diffusion-${classOf(result, enlarged)}-seed${result.params.seed}-${enlarged + 1}.png`, enlarged)}
          >
            Download (PNG, {shape.size * SCALE}×{shape.size * SCALE})
          </button>
        </ImageDialog>
      )}
    </section>
  );
}
