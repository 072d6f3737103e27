/**
 * Restore: bring an image (upload, drop, paste or a sample from the model), say what is wrong with
 * it or damage it on purpose, restore it with the diffusion prior, compare and download.
 */
import { useEffect, useMemo, useRef, useState } from "preact/hooks";
import type { Manifest } from "../api/manifest.ts";
import { Degradation, damage } from "../diffusion/restore.ts";
import { createRng } from "../diffusion/rng.ts";
import { decodeImage, downloadBlob, fromImage, pngOf, psnr, type ImageShape } from "../image.ts";
import type { InferenceClient } from "../inference/client.ts";
import { defaultGenerateParams } from "./GeneratePanel.tsx";
import { ImageCanvas } from "./ImageGrid.tsx";
import { MaskPainter } from "./MaskPainter.tsx";
import { Progress } from "./Progress.tsx";
import { useJob } from "./useJob.ts";

/** Damage noise has its own fixed stream, so the same settings always give the same damaged image. */
const DAMAGE_SEED = 0x5eed;

interface Props {
  client: InferenceClient;
  manifest: Manifest;
  ready: boolean;
}

interface Damage {
  noise: number;
  downsample: 1 | 2 | 4;
  grayscale: boolean;
  mask: Uint8Array;
}

export function RestorePanel({ client, manifest, ready }: Props) {
  const shape: ImageShape = manifest.image;
  const pixels = shape.size * shape.size;
  const [source, setSource] = useState<{ image: Float32Array; name: string } | null>(null);
  const [onPurpose, setOnPurpose] = useState(true);
  const [settings, setSettings] = useState<Damage>({ noise: 0, downsample: 1, grayscale: false, mask: new Uint8Array(pixels).fill(1) });
  const [steps, setSteps] = useState(Math.min(50, manifest.diffusion.timesteps));
  const [resample, setResample] = useState(2);
  const [candidates, setCandidates] = useState(1);
  const [seed, setSeed] = useState(0);
  const [restored, setRestored] = useState<Float32Array | null>(null);
  const [loadError, setLoadError] = useState<string | null>(null);
  const job = useJob();
  const sampling = useJob();
  // Samples are numbered from 0 on each visit, so "the first sample" is the same image every time.
  const sampleSeed = useRef(0);
  const set = <K extends keyof Damage>(key: K, value: Damage[K]) => setSettings((s) => ({ ...s, [key]: value }));

  const degradation = useMemo(
    () => new Degradation({ ...shape, downsample: settings.downsample, grayscale: settings.grayscale && shape.channels > 1, mask: settings.mask }),
    [shape, settings],
  );
  // What gets restored: the damaged copy, or the visitor's image as it is.
  const input = useMemo(() => {
    if (!source) return null;
    if (!onPurpose) return source.image;
    return Float32Array.from(damage(Float64Array.from(source.image), degradation, settings.noise, createRng(DAMAGE_SEED).normal));
  }, [source, onPurpose, degradation, settings.noise]);

  useEffect(() => setRestored(null), [input]);

  async function takeFile(blob: Blob | undefined, name: string) {
    if (!blob) return;
    setLoadError(null);
    try {
      const bitmap = await decodeImage(blob, name);
      setSource({ image: fromImage(bitmap, shape), name });
      bitmap.close();
    } catch (error) {
      setLoadError(error instanceof Error ? error.message : String(error));
    }
  }

  useEffect(() => {
    const onPaste = (event: ClipboardEvent) => {
      const item = Array.from(event.clipboardData?.items ?? []).find((i) => i.kind === "file");
      if (item) void takeFile(item.getAsFile() ?? undefined, "the pasted file");
    };
    document.addEventListener("paste", onPaste);
    return () => document.removeEventListener("paste", onPaste);
  });

  async function sample() {
    const result = await sampling.run((onProgress) =>
      client.generate({ ...defaultGenerateParams(manifest), count: 1, seed: sampleSeed.current++ }, onProgress),
    );
    if (result) setSource({ image: result.images, name: `a sample (${manifest.classes.names[result.labels[0]] ?? "unconditional"})` });
  }

  async function restore(event: Event) {
    event.preventDefault();
    if (!input) return;
    const hasMask = settings.mask.some((v) => v === 0);
    const result = await job.run((onProgress) =>
      client.restore(
        { image: input, mask: hasMask ? settings.mask : null, downsample: settings.downsample, grayscale: settings.grayscale && shape.channels > 1, noise: settings.noise, steps, resample, candidates, seed },
        onProgress,
      ),
    );
    if (result) setRestored(result.images);
  }

  const busy = job.state.running || sampling.state.running;
  return (
    <section aria-labelledby="restore-title">
      <h2 id="restore-title">Restore</h2>
      <div
        class="dropzone"
        onDragOver={(e) => e.preventDefault()}
        onDrop={(e) => {
          e.preventDefault();
          const file = e.dataTransfer?.files[0];
          void takeFile(file, file?.name ?? "the dropped file");
        }}
      >
        <p>Drop an image here, paste one, or</p>
        <div class="row wrap">
          <label class="button">
            Choose a file…
            <input type="file" accept="image/*" class="visually-hidden" data-testid="upload" onChange={(e) => {
              const file = e.currentTarget.files?.[0];
              void takeFile(file, file?.name ?? "the file");
              e.currentTarget.value = "";
            }} />
          </label>
          <button type="button" onClick={sample} disabled={!ready || busy}>
            Sample an image from the model
          </button>
        </div>
        <p class="hint">It is cropped to a square and resized to {shape.size}×{shape.size}.</p>
      </div>
      {loadError && (
        <p role="alert" class="error" data-testid="restore-error">
          {loadError}
        </p>
      )}
      {sampling.state.running && <Progress label="Sampling" value={sampling.state.step} max={sampling.state.steps || 1} />}
      {source && input && (
        <form class="controls" onSubmit={restore}>
          <fieldset>
            <legend>What is wrong with {source.name}?</legend>
            <label class="check">
              <input type="checkbox" checked={onPurpose} onChange={(e) => setOnPurpose(e.currentTarget.checked)} /> Damage it on purpose (to compare with the original)
            </label>
            <label>
              Noise <span>{settings.noise.toFixed(2)}</span>
              <input type="range" min={0} max={1} step={0.05} value={settings.noise} onInput={(e) => set("noise", e.currentTarget.valueAsNumber)} />
            </label>
            <label>
              Resolution
              <select value={settings.downsample} onChange={(e) => set("downsample", Number(e.currentTarget.value) as Damage["downsample"])}>
                <option value={1}>Full</option>
                <option value={2}>Low (÷2)</option>
                <option value={4}>Very low (÷4)</option>
              </select>
            </label>
            {shape.channels > 1 && (
              <label class="check">
                <input type="checkbox" checked={settings.grayscale} onChange={(e) => set("grayscale", e.currentTarget.checked)} /> Lost colour
              </label>
            )}
            <MaskPainter image={input} shape={shape} mask={settings.mask} onChange={(mask) => set("mask", mask)} />
          </fieldset>
          <label>
            Steps
            <input type="number" min={1} max={manifest.diffusion.timesteps} required value={steps} onInput={(e) => setSteps(e.currentTarget.valueAsNumber)} />
          </label>
          <label>
            Resampling (RePaint)
            <input type="number" min={1} max={10} required value={resample} onInput={(e) => setResample(e.currentTarget.valueAsNumber)} />
          </label>
          <label title="1: one sharp, plausible restoration. More: the mean of that many, softer but closer to the original on average (each costs a restoration)">
            Average of
            <input type="number" min={1} max={8} required value={candidates} onInput={(e) => setCandidates(e.currentTarget.valueAsNumber)} />
          </label>
          <label>
            Seed
            <input type="number" min={0} max={2 ** 31 - 1} required value={seed} onInput={(e) => setSeed(e.currentTarget.valueAsNumber)} />
          </label>
          <div class="row">
            <button type="submit" disabled={!ready || busy}>
              Restore
            </button>
            <button type="button" onClick={job.cancel} disabled={!job.state.running}>
              Cancel
            </button>
          </div>
        </form>
      )}
      {job.state.running && <Progress label="Restoring" value={job.state.step} max={job.state.steps || steps} detail={`Step ${job.state.step} of ${job.state.steps || steps}`} />}
      {job.state.error && (
        <p role="alert" class="error">
          {job.state.error}
        </p>
      )}
      {source && input && (
        <div class="compare">
          {onPurpose && (
            <figure>
              <ImageCanvas values={source.image} shape={shape} label="Original" testId="restore-original" />
              <figcaption>Original</figcaption>
            </figure>
          )}
          <figure>
            <ImageCanvas values={input} shape={shape} label="Before" testId="restore-before" />
            <figcaption>Before{onPurpose && ` · ${psnr(source.image, input).toFixed(1)} dB`}</figcaption>
          </figure>
          {(restored ?? job.state.preview) && (
            <figure>
              <ImageCanvas values={(restored ?? job.state.preview)!} shape={shape} label={restored ? "After" : "Restoring (preview)"} testId={restored ? "restore-after" : "restore-preview"} />
              <figcaption>
                {restored ? "After" : "Preview"}
                {restored && onPurpose && ` · ${psnr(source.image, restored).toFixed(1)} dB`}
              </figcaption>
            </figure>
          )}
        </div>
      )}
      {restored && (
        <button type="button" onClick={async () => downloadBlob(await pngOf(restored, [0], shape, 1, 8), "edge-diffusion-restored.png")}>
          Download the restored image (PNG)
        </button>
      )}
    </section>
  );
}
