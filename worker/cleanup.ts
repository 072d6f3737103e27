/** Storage nobody uses any more: weight files of deleted versions, and multipart uploads nobody completed. */
import { deleteUploads, listUploadsStartedBefore } from "./db/uploads.ts";
import { finishDeletions, listDeletions } from "./db/versions.ts";
import type { Bindings } from "./env.ts";
import { discardUploads, weightsKey } from "./storage.ts";

/** A publisher that has not completed an upload within a day has given up on it. */
export const ABANDONED_AFTER_SECONDS = 24 * 60 * 60;
/** Per run, so one run stays well within the subrequest limit of one Worker invocation; the next run takes the rest. */
const ITEMS_PER_RUN = 100;

/**
 * Removes from R2 the files a delete listed in weights_being_deleted, then lets versions register
 * them again. Until then no version refers to them, so removing them can strand no one.
 */
export async function removeWeights(env: Bindings, sha256s: readonly string[]): Promise<void> {
  if (sha256s.length === 0) return;
  await env.WEIGHTS.delete(sha256s.map(weightsKey));
  await finishDeletions(env.DB, sha256s);
}

/** Finishes deletes that were cut off between D1 and R2 (their files stay unregistrable until then); returns how many files. */
export async function finishInterruptedDeletions(env: Bindings): Promise<number> {
  const sha256s = await listDeletions(env.DB, ITEMS_PER_RUN);
  await removeWeights(env, sha256s);
  return sha256s.length;
}

/**
 * Aborts uploads started more than ABANDONED_AFTER_SECONDS before `nowMs`, so R2 stops keeping
 * (and billing) their parts, then forgets them. Returns how many it aborted.
 */
export async function abortAbandonedUploads(env: Bindings, nowMs: number): Promise<number> {
  const cutoff = new Date(nowMs - ABANDONED_AFTER_SECONDS * 1000).toISOString();
  const uploads = await listUploadsStartedBefore(env.DB, cutoff, ITEMS_PER_RUN);
  await discardUploads(env.WEIGHTS, uploads);
  await deleteUploads(
    env.DB,
    uploads.map((upload) => upload.id),
  );
  return uploads.length;
}
