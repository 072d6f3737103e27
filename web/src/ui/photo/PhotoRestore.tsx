/**
 * Fix my photo: the visitor's own photo at its own size. Say what is wrong with it (noise, measured
 * or set; lost parts, painted or uploaded; too small; black and white), see how long it will take on
 * this device, restore it tile by tile with a live preview, compare, see where it is unsure, download.
 */
import { useEffect, useMemo, useRef, useState } from "preact/hooks";
import { photoDefaults } from "../../../../worker/contract/photo-defaults.ts";
import type { Manifest } from "../../api/models.ts";
import { estimateNoiseSigma } from "../../diffusion/noise-level.ts";
import { downloadBlob, pngOf, type Raster } from "../../image.ts";
import type { InferenceClient } from "../../inference/client.ts";
import type { RestoreParams } from "../../inference/protocol.ts";
import { fullMask, hasLoss } from "../../mask.ts";
import { restoreParameters } from "../../parameters.ts";
import { decodePhoto, MAX_SIDE, type Photo } from "../../photo.ts";
import {
  candidatesDiffer,
  cannotRun,
  estimateSeconds,
  memoryRefusal,
  plannedTimesteps,
  plannedWork,
  type RestoreWork,
  stepsWithin,
  unetPasses,
  WARN_ABOVE_SECONDS,
} from "../../restore-plan.ts";
import { useFinishNotice } from "../hooks/useFinishNotice.ts";
import { useJob } from "../hooks/useJob.ts";
import { bringIntoView } from "../shared/bring-into-view.ts";
import { formatDuration } from "../shared/format.ts";
import { BeforeAfter } from "../widgets/BeforeAfter.tsx";
import { ImageDrop } from "../widgets/ImageDrop.tsx";
import { RestoreStatus, RunButtons } from "../widgets/JobControls.tsx";
import { MaskPainter } from "../widgets/MaskPainter.tsx";
import { PhotoEffort } from "./PhotoEffort.tsx";
import { effortOnSwitch } from "./photo-presets.ts";
import { SamplePhoto } from "./SamplePhoto.tsx";
import { SpreadMap } from "./SpreadMap.tsx";
import { SwitchPhotoPrompt } from "./SwitchPhotoPrompt.tsx";
import { useDeviceSpeed } from "./useDeviceSpeed.ts";

/** The work in words: passes over the photo's tiles, and the coarse colour passes. */
function passesOf(work: RestoreWork, tile: number): string {
  const colour = work.colourTiles ? `colours chosen in ${plural(work.colourTiles, "tile pass", "tile passes")}` : "";
  if (work.steps === 0) return colour;
  const passes = unetPasses(work);
  const tiles = (count: number) => `${count.toLocaleString("en")} tiles of ${tile}×${tile}`;
  // A noisy photo's first pass runs two grids half a tile apart (web/src/diffusion/tiles.ts).
  const over =
    passes === 1 || work.tilesFirstCall === work.tilesPerCall
      ? tiles(passes === 1 ? work.tilesFirstCall : work.tilesPerCall)
      : `${tiles(work.tilesPerCall)}, the first over ${work.tilesFirstCall.toLocaleString("en")}`;
  const main = `${plural(passes, "UNet pass", "UNet passes")} over ${over}`;
  return colour ? `${main}; ${colour}` : main;
}

/** Below this estimate (in 8-bit levels) a photo counts as clean: its estimate is shown, not used. */
const NOISY_LEVELS = 3;

interface Props {
  client: InferenceClient;
  manifest: Manifest;
  ready: boolean;
  /** This path is on screen (it takes pasted images). */
  active: boolean;
}

interface Settings {
  /** Noise std in 8-bit levels, as set by hand. */
  noiseLevels: number;
  useEstimate: boolean;
  upscale: RestoreParams["upscale"];
  colourise: boolean;
  steps: number;
  resample: number;
  candidates: number;
  seed: number;
}

/** A photo as decoded, with its noise as estimated from its pixels, in 8-bit levels (null for a photo too small to tell). */
interface Decoded {
  photo: Photo;
  estimatedLevels: number | null;
}

/** A photo as loaded: `id` tells two loads of the same file apart. */
interface Loaded extends Decoded {
  id: number;
}

interface Result {
  photo: Photo;
  images: Float32Array;
  spread?: Float32Array;
  raster: Raster;
  /** What it ran with: its download says so, whatever the form says since. */
  params: RestoreParams;
}

/** The form before the visitor touches it; steps and resampling come from the manifest's defaults for a photo kept at its size. */
const INITIAL_SETTINGS: Omit<Settings, "steps" | "resample"> = {
  noiseLevels: 0,
  useEstimate: false,
  upscale: 1,
  colourise: false,
  candidates: 1,
  seed: 0,
};

export function PhotoRestore({ client, manifest, ready, active }: Props) {
  const { channels, size: tile } = manifest.image;
  const [loaded, setLoaded] = useState<Loaded | null>(null);
  const photo = loaded?.photo ?? null;
  const [loadError, setLoadError] = useState<string | null>(null);
  const [mask, setMask] = useState<Uint8Array>(() => fullMask(0));
  const [settings, setSettings] = useState<Settings>({ ...INITIAL_SETTINGS, ...photoDefaults(manifest, INITIAL_SETTINGS.upscale > 1) });
  const [result, setResult] = useState<Result | null>(null);
  // What the running job restores: a preview of another photo's job is never shown over this one.
  const [running, setRunning] = useState<{ photo: Photo; raster: Raster } | null>(null);
  // A long job starts only on a second click for exactly this estimate.
  const [askedFor, setAskedFor] = useState<number | null>(null);
  const photoNow = useRef(photo);
  photoNow.current = photo;
  const job = useJob();
  const { speed, error: speedError } = useDeviceSpeed(client, manifest.id, ready && photo !== null);
  const set = <K extends keyof Settings>(key: K, value: Settings[K]) => setSettings((s) => ({ ...s, [key]: value }));

  const estimatedLevels = loaded?.estimatedLevels ?? null;
  const noiseLevels = settings.useEstimate && estimatedLevels !== null ? Math.round(estimatedLevels) : settings.noiseLevels;

  // Two files dropped in quick succession: only the last one's decode is taken.
  const loads = useRef(0);

  // A photo dropped while another is being restored waits for the visitor's answer (`switchPrompt`).
  const [waiting, setWaiting] = useState<Decoded | null>(null);

  async function takeFile(file: Blob, name: string) {
    setLoadError(null);
    const load = ++loads.current;
    try {
      const next = await decodePhoto(file, name, channels);
      if (load !== loads.current) return;
      const estimate =
        next.height >= 2 && next.width >= 2 ? estimateNoiseSigma(next.image, next.channels, next.height, next.width) * 127.5 : null;
      const decoded = { photo: next, estimatedLevels: estimate };
      // Asked first while a run goes (the prompt stays right if the run ends meanwhile).
      if (job.isRunning()) setWaiting(decoded);
      else open(decoded);
    } catch (error) {
      if (load === loads.current) setLoadError(error instanceof Error ? error.message : String(error));
    }
  }

  function open(next: Decoded) {
    job.reset();
    setWaiting(null);
    setResult(null);
    setAskedFor(null);
    setMask(fullMask(next.photo.height * next.photo.width));
    // A new photo starts from the version's defaults and its own facts: nothing chosen for the last one carries over.
    setSettings({
      ...INITIAL_SETTINGS,
      ...photoDefaults(manifest, INITIAL_SETTINGS.upscale > 1),
      useEstimate: next.estimatedLevels !== null && next.estimatedLevels >= NOISY_LEVELS,
      colourise: next.photo.grayscale,
    });
    setLoaded((previous) => ({ ...next, id: (previous?.id ?? 0) + 1 }));
  }

  // A new photo brings its form into view, focused on the first control, instead of changing nothing above the fold.
  const form = useRef<HTMLFormElement>(null);
  useEffect(() => {
    if (!loaded) return;
    bringIntoView(form.current);
  }, [loaded?.id]);

  // Set by Restore, spent once its progress shows: the progress and the live preview come into view.
  const reveal = useRef(false);
  const status = useRef<HTMLDivElement>(null);
  useEffect(() => {
    if (!reveal.current || !job.state.running) return;
    reveal.current = false;
    status.current?.scrollIntoView({ block: "start" });
  }, [job.state.running]);

  const { announce, askToNotify } = useFinishNotice(job.state, {
    running: "Restoring",
    done: "Restored",
    body: `${running?.photo.name ?? "Your photo"} is restored: compare and download it on the page.`,
  });

  // Enlargements have defaults of their own: a preset follows the task (Best, for enlargements, goes back to
  // Balanced when the size is kept); effort set by hand stays.
  function chooseUpscale(upscale: Settings["upscale"]) {
    setSettings((s) => ({ ...s, upscale, ...effortOnSwitch(manifest, s, s.upscale > 1, upscale > 1) }));
  }

  const planned = photo && {
    mask: hasLoss(mask) ? mask : null,
    upscale: settings.upscale,
    grayscale: settings.colourise && channels > 1,
    noise: noiseLevels / 127.5,
    steps: settings.steps,
  };
  // Averaging restorations that cannot differ would repeat the same work: one runs, and the form says why.
  const distinct = planned === null || candidatesDiffer(manifest, planned);
  const params: RestoreParams | null = photo &&
    planned && {
      image: photo.image,
      height: photo.height,
      width: photo.width,
      ...planned,
      resample: settings.resample,
      candidates: distinct ? settings.candidates : 1,
      seed: settings.seed,
    };

  // Averaging that alone asks too much memory is said beside its field too (the refusal line says it as well).
  const averagingRefusal =
    params && params.candidates > 1 && memoryRefusal(manifest, { ...params, candidates: 1 }) === null
      ? memoryRefusal(manifest, params)
      : null;
  // Why this job cannot run as set (checked before any work, and before the estimate needs valid steps).
  const refusal = params && cannotRun(manifest, params);
  // What the job costs: the steps it really runs (a photo with only noise starts at its own noise level)
  // and its tiles. Progress messages re-render this panel, so it is computed once per setting.
  const work: RestoreWork | null = useMemo(
    () => (params && !refusal ? plannedWork(manifest, params) : null),
    [photo, mask, settings, noiseLevels, refusal, manifest],
  );
  const seconds = work && speed ? estimateSeconds(work, speed) : null;
  const long = seconds !== null && seconds > WARN_ABOVE_SECONDS;
  const warned = long && askedFor === seconds;
  // The tiles do not change with the steps; only the steps below the start do.
  const fitting =
    warned && params && work && speed
      ? stepsWithin(
          WARN_ABOVE_SECONDS,
          params.steps,
          (steps) => ({ ...work, steps: plannedTimesteps(manifest, { ...params, steps }).length }),
          speed,
        )
      : 1;

  async function restore(event: Event) {
    event.preventDefault();
    if (!photo || !params) return;
    if (long && askedFor !== seconds) {
      setAskedFor(seconds);
      return;
    }
    setAskedFor(null);
    const raster = { channels, height: photo.height * settings.upscale, width: photo.width * settings.upscale };
    setRunning({ photo, raster });
    reveal.current = true;
    const done = await job.run((options) => client.restore(params, options), seconds);
    if (!done || photoNow.current !== photo) return;
    setResult({ photo, images: done.images, spread: done.spread, raster, params });
    announce();
  }

  async function download() {
    if (!result) return;
    const stem = result.photo.name.replace(/\.[^.]*$/, "") || "photo";
    const parameters = restoreParameters(manifest.id, result.params);
    downloadBlob(await pngOf(result.images, [0], result.raster, 1, 1, parameters), `${stem}-restored.png`);
  }

  const shown = result?.photo === photo ? result : null;
  // A running job's preview, or a cancelled one's last, for this photo only.
  const preview = (job.state.running || job.state.cancelled) && running?.photo === photo ? job.state.preview : null;
  const raster: Raster | null = photo && { channels, height: photo.height, width: photo.width };
  const size = (factor: number) => (photo ? `${photo.width * factor}×${photo.height * factor}` : "");
  return (
    <div data-testid="photo-restore">
      <ImageDrop
        onFile={takeFile}
        active={active}
        testId="photo-upload"
        hint={`Any photo, restored at its own size (up to ${MAX_SIDE} pixels on the long side; larger ones are scaled down). It never leaves this device.`}
      >
        <SamplePhoto onFile={takeFile} />
      </ImageDrop>
      {waiting && photo && (
        <SwitchPhotoPrompt
          current={photo.name}
          next={waiting.photo.name}
          running={job.state.running}
          onOpen={() => open(waiting)}
          onKeep={() => setWaiting(null)}
        />
      )}
      {loadError && (
        <p role="alert" class="error" data-testid="photo-error">
          {loadError}
        </p>
      )}
      {photo && raster && (
        <form class="controls" onSubmit={restore} ref={form}>
          {photo.notes.length > 0 && (
            <ul class="notes" data-testid="photo-notes">
              {photo.notes.map((note) => (
                <li key={note}>{note}</li>
              ))}
            </ul>
          )}
          <fieldset>
            <legend>
              What is wrong with {photo.name} ({size(1)})?
            </legend>
            <label>
              Noise <span data-testid="noise-level">{noiseLevels}/255</span>
              <input
                type="range"
                min={0}
                max={100}
                step={1}
                value={noiseLevels}
                disabled={settings.useEstimate}
                onInput={(e) => set("noiseLevels", e.currentTarget.valueAsNumber)}
              />
            </label>
            {estimatedLevels !== null && (
              <label class="check">
                <input
                  type="checkbox"
                  checked={settings.useEstimate}
                  onChange={(e) => setSettings((s) => ({ ...s, useEstimate: e.currentTarget.checked, noiseLevels }))}
                />{" "}
                Use the estimate from the photo (estimated: {Math.round(estimatedLevels)}/255)
              </label>
            )}
            <label>
              Too small?
              <select value={settings.upscale} onChange={(e) => chooseUpscale(Number(e.currentTarget.value) as Settings["upscale"])}>
                <option value={1}>Keep its size ({size(1)})</option>
                {([2, 4] as const).map((factor) => {
                  // Said here, where it is chosen: an enlargement too large for this device's memory even once.
                  const tooLarge =
                    memoryRefusal(manifest, { height: photo.height, width: photo.width, upscale: factor, candidates: 1 }) !== null;
                  return (
                    <option value={factor} key={factor} disabled={tooLarge && settings.upscale !== factor}>
                      Enlarge ×{factor} ({size(factor)}){tooLarge ? ": too large to restore here" : ""}
                    </option>
                  );
                })}
              </select>
            </label>
            {channels > 1 && (
              <label class="check">
                <input type="checkbox" checked={settings.colourise} onChange={(e) => set("colourise", e.currentTarget.checked)} /> Colourise
                (black and white)
                {photo.grayscale && <span class="hint"> · this photo looks black and white</span>}
              </label>
            )}
            <div class="wide">
              <p class="hint">Scratches, holes, text or objects to remove? Paint over them:</p>
              <MaskPainter key={loaded!.id} image={photo.image} raster={raster} mask={mask} onChange={setMask} />
            </div>
          </fieldset>
          <PhotoEffort
            manifest={manifest}
            settings={settings}
            onChange={(change) => setSettings((s) => ({ ...s, ...change }))}
            enlarging={settings.upscale > 1}
            averagingRefusal={averagingRefusal}
            oneCandidate={
              distinct
                ? null
                : "this photo needs a single step from its own noise, which draws no noise, so every restoration would be the same"
            }
          />
          <p class="wide" data-testid="photo-estimate" aria-live="polite">
            {refusal ??
              (work && seconds !== null
                ? `On this device: ${formatDuration(seconds)} (${passesOf(work, tile)}).`
                : (speedError ?? "Measuring this device's speed…"))}
          </p>
          {warned && seconds !== null && (
            <div class="warning wide" role="alert" data-testid="photo-long">
              <p>
                This will take {formatDuration(seconds)} on this device, and the tab must stay open. Fewer steps, "Keep its size" or a
                smaller photo are quicker.
              </p>
              <div class="row wrap">
                <button type="button" onClick={() => set("steps", fitting)}>
                  Use {fitting} steps instead
                </button>
                <button type="submit">Start anyway</button>
              </div>
            </div>
          )}
          <RunButtons
            label="Restore my photo"
            disabled={!ready || refusal !== null || (seconds === null && !speedError)}
            running={job.state.running}
            onCancel={job.cancel}
          />
        </form>
      )}
      <div ref={status} class="job-status">
        <RestoreStatus state={job.state} keptPreview={preview !== null} onRestart={() => form.current?.requestSubmit()} />
        {job.state.running && askToNotify && (
          <button type="button" onClick={askToNotify}>
            Tell me when it is done
          </button>
        )}
      </div>
      {photo && raster && (preview || shown) && (
        <div class="result">
          <BeforeAfter
            before={photo.image}
            beforeRaster={raster}
            after={(preview ?? shown?.images)!}
            afterRaster={preview ? running!.raster : shown!.raster}
            afterLabel={preview ? (job.state.cancelled ? "Preview when cancelled" : "Preview") : "After"}
            beforeTestId="photo-before"
            afterTestId={preview ? "photo-preview" : "photo-after"}
          />
          {!preview && shown?.spread && (
            <SpreadMap spread={shown.spread} height={shown.raster.height} width={shown.raster.width} candidates={shown.params.candidates} />
          )}
        </div>
      )}
      {/* A cancelled re-run's preview is on screen: the last finished restoration stays downloadable. */}
      {shown && !job.state.running && (
        <button type="button" onClick={download}>
          Download {preview ? "the last finished restoration" : "the restored photo"} (PNG, {shown.raster.width}×{shown.raster.height})
        </button>
      )}
    </div>
  );
}

const plural = (n: number, one: string, many: string) => `${n} ${n === 1 ? one : many}`;
