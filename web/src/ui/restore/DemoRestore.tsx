/**
 * Damage a sample on purpose: a model-sized image (sampled from the model, or an upload cropped to
 * it) is damaged with settings of this path alone, restored, and compared with the original (PSNR).
 */
import { useEffect, useMemo, useRef, useState } from "preact/hooks";
import type { Manifest } from "../../api/models.ts";
import { Degradation, damage } from "../../diffusion/restore.ts";
import { createRng } from "../../diffusion/rng.ts";
import { decodeImage, downloadBlob, fromImage, type ImageShape, pngOf, psnr, rasterOf } from "../../image.ts";
import type { InferenceClient } from "../../inference/client.ts";
import { defaultGenerateParams } from "../../inference/generate-job.ts";
import type { RestoreParams } from "../../inference/protocol.ts";
import { fullMask, holeMask, scratchMask } from "../../mask.ts";
import { restoreParameters } from "../../parameters.ts";
import { useFinishNotice } from "../hooks/useFinishNotice.ts";
import { useJob } from "../hooks/useJob.ts";
import { formatChange, formatPsnr } from "../shared/format.ts";
import { MAX_SEED } from "../shared/generate-form.ts";
import { BeforeAfter } from "../widgets/BeforeAfter.tsx";
import { ImageDrop } from "../widgets/ImageDrop.tsx";
import { ImageCanvas } from "../widgets/ImageGrid.tsx";
import { RestoreStatus, RunButtons } from "../widgets/JobControls.tsx";
import { MaskPainter, type MaskPreset } from "../widgets/MaskPainter.tsx";
import { NumberInput } from "../widgets/NumberInput.tsx";
import { Progress } from "../widgets/Progress.tsx";

/** Damage noise has its own fixed stream, so the same settings always give the same damaged image. */
const DAMAGE_SEED = 0x5eed;
const PRESETS: MaskPreset[] = [
  { label: "Hole in the middle", make: holeMask },
  { label: "Scratches", make: scratchMask },
];

interface Props {
  client: InferenceClient;
  manifest: Manifest;
  ready: boolean;
  /** This path is on screen (it takes pasted images). */
  active: boolean;
}

interface Damage {
  noise: number;
  downsample: 1 | 2 | 4;
  grayscale: boolean;
  mask: Uint8Array;
}

/**
 * The damaged image as the worker takes a measurement: average-pooled by the downsampling factor
 * (so h = w = size / factor), the mask at that resolution, and the noise that pooling leaves.
 */
function measurementOf(
  damaged: Float32Array,
  degradation: Degradation,
  noise: number,
): Pick<RestoreParams, "image" | "height" | "width" | "mask" | "upscale" | "noise"> {
  const { channels, height, factor, outHeight, outWidth, known } = degradation;
  const pooled = new Degradation({ size: height, channels, downsample: factor as RestoreParams["upscale"] }).apply(
    Float64Array.from(damaged),
  );
  return {
    image: Float32Array.from(pooled),
    height: outHeight,
    width: outWidth,
    mask: known.includes(0) ? known : null,
    upscale: factor as RestoreParams["upscale"],
    // The demo's damage adds independent noise to every value: pooling (and averaging to gray) shrinks it.
    noise: noise * degradation.noiseGain,
  };
}

export function DemoRestore({ client, manifest, ready, active }: Props) {
  const shape: ImageShape = manifest.image;
  const raster = rasterOf(shape);
  const [source, setSource] = useState<{ image: Float32Array; name: string } | null>(null);
  const [settings, setSettings] = useState<Damage>({ noise: 0, downsample: 1, grayscale: false, mask: fullMask(shape.size * shape.size) });
  const [steps, setSteps] = useState(manifest.defaults.restore.steps);
  const [resample, setResample] = useState(manifest.defaults.restore.resample);
  const [candidates, setCandidates] = useState(1);
  const [seed, setSeed] = useState(0);
  // The restoration, and what it ran with (its download says so).
  const [result, setResult] = useState<{ images: Float32Array; params: RestoreParams } | null>(null);
  const restored = result?.images ?? null;
  const [loadError, setLoadError] = useState<string | null>(null);
  // The damaged image the running job restores: its preview is shown only beside that image.
  const [runningOn, setRunningOn] = useState<Float32Array | null>(null);
  const job = useJob();
  const sampling = useJob();
  // Samples are numbered from 0 on each visit, so "the first sample" is the same image every time.
  const sampleSeed = useRef(0);
  const set = <K extends keyof Damage>(key: K, value: Damage[K]) => setSettings((s) => ({ ...s, [key]: value }));

  const grayscale = settings.grayscale && shape.channels > 1;
  const degradation = useMemo(
    () => new Degradation({ size: shape.size, channels: shape.channels, downsample: settings.downsample, grayscale, mask: settings.mask }),
    [shape, settings, grayscale],
  );
  const damaged = useMemo(
    () => source && Float32Array.from(damage(Float64Array.from(source.image), degradation, settings.noise, createRng(DAMAGE_SEED).normal)),
    [source, degradation, settings.noise],
  );

  useEffect(() => setResult(null), [damaged]);
  const form = useRef<HTMLFormElement>(null);
  const damagedNow = useRef(damaged);
  damagedNow.current = damaged;

  async function takeFile(file: Blob, name: string) {
    setLoadError(null);
    try {
      const bitmap = await decodeImage(file, name);
      setSource({ image: fromImage(bitmap, shape), name });
      bitmap.close();
    } catch (error) {
      setLoadError(error instanceof Error ? error.message : String(error));
    }
  }

  async function sample() {
    const result = await sampling.run((options) =>
      client.generate({ ...defaultGenerateParams(manifest), count: 1, seed: sampleSeed.current++ }, options),
    );
    if (result) setSource({ image: result.images, name: `a sample (${manifest.classes.names[result.labels[0]] ?? "unconditional"})` });
  }

  async function restore(event: Event) {
    event.preventDefault();
    if (!damaged) return;
    setRunningOn(damaged);
    const params: RestoreParams = { ...measurementOf(damaged, degradation, settings.noise), grayscale, steps, resample, candidates, seed };
    const done = await job.run((options) => client.restore(params, options));
    // The damage may have changed while it ran: an old image's result is never shown beside the new one.
    if (done && damagedNow.current === damaged) {
      setResult({ images: done.images, params });
      announce();
    }
  }

  const { announce } = useFinishNotice(job.state, { running: "Restoring", done: "Restored", body: "The damaged sample is restored." });
  const busy = job.state.running || sampling.state.running;
  const preview = job.state.running && runningOn === damaged ? job.state.preview : null;
  const after = restored ?? preview;
  const psnrBefore = source && damaged ? psnr(source.image, damaged) : Number.NaN;
  const psnrAfter = source && restored ? psnr(source.image, restored) : null;
  return (
    <div class="demo-restore" data-testid="demo-restore">
      <ImageDrop
        onFile={takeFile}
        active={active}
        testId="upload"
        hint={`It is cropped to a square and resized to ${shape.size}×${shape.size}, the model's own size.`}
      >
        <button type="button" onClick={sample} disabled={!ready || busy}>
          Sample an image from the model
        </button>
      </ImageDrop>
      {loadError && (
        <p role="alert" class="error" data-testid="restore-error">
          {loadError}
        </p>
      )}
      {sampling.state.running && <Progress label="Sampling" value={sampling.state.step} max={sampling.state.steps || 1} />}
      {source && damaged && (
        <form class="controls" onSubmit={restore} ref={form}>
          <fieldset>
            <legend>Damage {source.name} on purpose</legend>
            <label>
              Noise <span>{settings.noise.toFixed(2)}</span>
              <input
                type="range"
                min={0}
                max={1}
                step={0.05}
                value={settings.noise}
                onInput={(e) => set("noise", e.currentTarget.valueAsNumber)}
              />
            </label>
            <label>
              Resolution
              <select
                value={settings.downsample}
                onChange={(e) => set("downsample", Number(e.currentTarget.value) as Damage["downsample"])}
              >
                <option value={1}>Full</option>
                <option value={2}>Low (÷2)</option>
                <option value={4}>Very low (÷4)</option>
              </select>
            </label>
            {shape.channels > 1 && (
              <label class="check">
                <input type="checkbox" checked={settings.grayscale} onChange={(e) => set("grayscale", e.currentTarget.checked)} /> Lost
                colour
              </label>
            )}
            <div class="wide demo-mask">
              <MaskPainter image={damaged} raster={raster} mask={settings.mask} onChange={(mask) => set("mask", mask)} presets={PRESETS} />
            </div>
          </fieldset>
          <label>
            Steps
            <NumberInput min={1} max={manifest.diffusion.timesteps} value={steps} onValue={setSteps} />
          </label>
          <label>
            Resampling (RePaint)
            <NumberInput min={1} max={10} value={resample} onValue={setResample} />
          </label>
          <label title="1: one sharp, plausible restoration. More: the mean of that many, softer but closer to the original on average (each costs a restoration)">
            Average of
            <NumberInput min={1} max={8} value={candidates} onValue={setCandidates} />
          </label>
          <label>
            Seed
            <NumberInput min={0} max={MAX_SEED} value={seed} onValue={setSeed} />
          </label>
          <RunButtons label="Restore" disabled={!ready || busy} running={job.state.running} onCancel={job.cancel} />
        </form>
      )}
      <RestoreStatus state={job.state} onRestart={() => form.current?.requestSubmit()} />
      {source && damaged && (
        <div class="compare">
          {after ? (
            <BeforeAfter
              before={damaged}
              beforeRaster={raster}
              after={after}
              afterRaster={raster}
              afterLabel={restored ? "After" : "Preview"}
              beforeTestId="restore-before"
              afterTestId={restored ? "restore-after" : "restore-preview"}
            />
          ) : (
            <figure>
              <ImageCanvas values={damaged} raster={raster} label="Before" testId="restore-before" />
              <figcaption>Before</figcaption>
            </figure>
          )}
          <figure>
            <ImageCanvas values={source.image} raster={raster} label="Original" testId="restore-original" />
            <figcaption>Original</figcaption>
          </figure>
          <p class="wide" data-testid="restore-psnr">
            Closeness to the original (PSNR, higher is closer): before {formatPsnr(psnrBefore)}
            {psnrAfter !== null &&
              `, after ${formatPsnr(psnrAfter)}${Number.isFinite(psnrBefore) ? ` (${formatChange(psnrAfter - psnrBefore)})` : ""}`}
            {psnrAfter !== null && psnrAfter < psnrBefore && (
              <span class="hint">
                {" "}
                · lower is not always worse to the eye: one restoration is a sharp guess at what was lost, where PSNR rewards a blur;
                "Average of" several scores higher
              </span>
            )}
          </p>
        </div>
      )}
      {result && (
        <button
          type="button"
          onClick={async () =>
            downloadBlob(
              await pngOf(result.images, [0], raster, 1, 8, restoreParameters(manifest.id, result.params)),
              "edge-diffusion-restored.png",
            )
          }
        >
          Download the restored image (PNG)
        </button>
      )}
    </div>
  );
}
