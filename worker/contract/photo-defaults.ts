/**
 * Which of a version's defaults a photo task starts from. A module of its own, free of zod, so the
 * page can import it without the schema library.
 */
import type { Manifest } from "./manifest.ts";

type RestoreDefaults = Manifest["defaults"]["restore_photo"];

/**
 * The steps and repeats a photo starts from: an enlargement's own (`enlarge_photo`), the other tasks'
 * (`restore_photo`). A version published before manifests named enlargements enlarges at `restore_photo`.
 */
export function photoDefaults(
  manifest: { defaults: Pick<Manifest["defaults"], "restore_photo" | "enlarge_photo"> },
  enlarging: boolean,
): RestoreDefaults {
  return (enlarging && manifest.defaults.enlarge_photo) || manifest.defaults.restore_photo;
}
