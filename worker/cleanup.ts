/** The cron's work: aborting multipart uploads that nobody completed or abandoned explicitly. */
import { deleteUploads, listUploadsStartedBefore } from "./db/uploads.ts";
import type { Bindings } from "./env.ts";
import { discardUploads } from "./storage.ts";

/** A publisher that has not completed an upload within a day has given up on it. */
export const ABANDONED_AFTER_SECONDS = 24 * 60 * 60;
/** Per run, so one run stays well within the subrequest limit of one Worker invocation; the next run takes the rest. */
const UPLOADS_PER_RUN = 100;

/**
 * Aborts uploads started more than ABANDONED_AFTER_SECONDS before `nowMs`, so R2 stops keeping
 * (and billing) their parts, then forgets them. Returns how many it aborted.
 */
export async function abortAbandonedUploads(env: Bindings, nowMs: number): Promise<number> {
  const cutoff = new Date(nowMs - ABANDONED_AFTER_SECONDS * 1000).toISOString();
  const uploads = await listUploadsStartedBefore(env.DB, cutoff, UPLOADS_PER_RUN);
  await discardUploads(env.WEIGHTS, uploads);
  await deleteUploads(
    env.DB,
    uploads.map((upload) => upload.id),
  );
  return uploads.length;
}
