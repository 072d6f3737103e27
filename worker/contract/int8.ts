/**
 * The rule for a version's int8 weights: the page runs them on WASM only when the version's own
 * evaluation (metrics.int8) shows they cost almost nothing beside fp32. A module of its own, free of
 * zod, so the page can import it without the schema library.
 */
import type { Manifest, ManifestFile } from "./manifest.ts";

/** The most int8 may add to fp32's Frechet distance (same seeds), and lose in mean photo PSNR. */
const INT8_MAX_FRECHET_RISE = 0.3;
const INT8_MAX_PSNR_LOSS_DB = 0.2;

/** The int8 file to run, or why not to. */
type Int8Verdict<File> = { ok: true; file: File } | { ok: false; reason: string };

/** Figures the way a visitor reads them: at most two decimals, no trailing zeros. */
const figure = (value: number) => String(Number(value.toFixed(2)));

/** Whether int8 holds for this version (its file), or why not, in words a visitor understands. */
export function int8Verdict<File extends Pick<ManifestFile, "variant">>(manifest: {
  files: readonly File[];
  metrics: Manifest["metrics"];
}): Int8Verdict<File> {
  const file = manifest.files.find((f) => f.variant === "int8");
  if (!file) return { ok: false, reason: "this version has no int8 weights" };
  const evaluation = manifest.metrics.int8;
  if (!evaluation) return { ok: false, reason: "int8 was not evaluated for this version" };
  const rise = evaluation.frechet_distance - evaluation.fp32_frechet_distance;
  if (!(rise <= INT8_MAX_FRECHET_RISE)) {
    return { ok: false, reason: `int8 made generated images worse in evaluation (Frechet distance ${figure(rise)} higher)` };
  }
  if (evaluation.photo_psnr_db === undefined || evaluation.fp32_photo_psnr_db === undefined) {
    return { ok: false, reason: "int8 was not evaluated on photos for this version" };
  }
  const change = evaluation.photo_psnr_db - evaluation.fp32_photo_psnr_db;
  if (!(change >= -INT8_MAX_PSNR_LOSS_DB)) return { ok: false, reason: `int8 lost ${figure(-change)} dB on photos in evaluation` };
  return { ok: true, file };
}
