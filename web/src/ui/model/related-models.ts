/** The versions one click away in Generate's sampler menu: a distilled student's teacher, and a teacher's students. */
import type { PublishedVersion, VersionSummary } from "../../api/models.ts";
import { SAMPLER_LABELS } from "../shared/generate-form.ts";

export interface RelatedModel {
  id: string;
  label: string;
}

export function relatedModels(version: PublishedVersion, versions: readonly VersionSummary[]): RelatedModel[] {
  return versions
    .filter((v) => v.status === "ready" && v.id !== version.id && (v.id === version.manifest.teacher || v.teacher === version.id))
    .map(({ id, teacher, generate }) => ({
      id,
      label: teacher
        ? `Distilled student: ${generate.steps} steps, guidance built in (faster)`
        : `Teacher model: ${SAMPLER_LABELS[generate.sampler]}, ${generate.steps} steps`,
    }));
}
