/**
 * The committed models, as `npm start` and `npm run deploy` publish them: the default model
 * (model/weights) and its distilled student (model/weights/student) where one is committed. The student
 * becomes current only where its evaluation holds beside its teacher's; otherwise the teacher stays
 * current and the student one click away in the page.
 */
import { existsSync } from "node:fs";
import { join } from "node:path";
import type { Manifest } from "../../worker/contract/manifest.ts";
import { readManifest } from "./export-dir.ts";
import { DEFAULT_MODEL } from "./local-worker.ts";
import { type PublishOptions, publish } from "./publish.ts";

export const STUDENT_MODEL = join(DEFAULT_MODEL, "student");

/** How much worse than its teacher a student may generate and still be served first (issue 23's targets for the default model: 5.17 → 5.7, 87.7% → 86%). */
const MAX_FRECHET_RATIO = 1.1;
const MAX_ACCURACY_DROP = 0.015;

interface GenerationMetrics {
  frechet_distance?: number;
  class_accuracy?: number;
}

const generationOf = (manifest: Manifest) => (manifest.metrics.generation ?? {}) as GenerationMetrics;

/** Whether the student may be the current model in place of its teacher, or why not. */
export function studentVerdict(student: Manifest, teacher: Manifest): { ok: true } | { ok: false; reason: string } {
  if (student.teacher !== teacher.id)
    return { ok: false, reason: `it was distilled from ${student.teacher ?? "no recorded teacher"}, not ${teacher.id}` };
  const [mine, theirs] = [generationOf(student), generationOf(teacher)];
  if (mine.frechet_distance === undefined || mine.class_accuracy === undefined)
    return { ok: false, reason: "it has no evaluation of its generation" };
  if (theirs.frechet_distance === undefined || theirs.class_accuracy === undefined)
    return { ok: false, reason: "its teacher has no evaluation to compare with" };
  const bound = theirs.frechet_distance * MAX_FRECHET_RATIO;
  if (!(mine.frechet_distance <= bound)) {
    return {
      ok: false,
      reason: `its Frechet distance ${mine.frechet_distance.toFixed(2)} is above ${bound.toFixed(2)} (its teacher's ${theirs.frechet_distance.toFixed(2)} + 10%)`,
    };
  }
  if (!(mine.class_accuracy >= theirs.class_accuracy - MAX_ACCURACY_DROP)) {
    return {
      ok: false,
      reason: `its class accuracy ${(100 * mine.class_accuracy).toFixed(1)}% is more than 1.5 points under its teacher's ${(100 * theirs.class_accuracy).toFixed(1)}%`,
    };
  }
  return { ok: true };
}

/** Publishes the committed models (idempotently) and makes the right one current; returns its id. */
export async function publishCommitted(
  options: Omit<PublishOptions, "promote">,
  dirs = { teacher: DEFAULT_MODEL, student: STUDENT_MODEL },
): Promise<string> {
  const log = options.log ?? (() => undefined);
  const teacher = await readManifest(dirs.teacher);
  const student = existsSync(join(dirs.student, "manifest.json")) ? await readManifest(dirs.student) : null;
  const verdict = student && studentVerdict(student, teacher);
  await publish(dirs.teacher, { ...options, promote: !verdict?.ok });
  if (!student || !verdict) return teacher.id;
  await publish(dirs.student, { ...options, promote: verdict.ok });
  log(
    verdict.ok
      ? `${student.id} serves first: its evaluation holds beside its teacher's`
      : `${teacher.id} stays current, ${student.id} one click away: ${verdict.reason}`,
  );
  return verdict.ok ? student.id : teacher.id;
}
