/** R2 access for weight files: content-addressed keys, and writes that only land when the bytes are right. */
import { toHex } from "./crypto.ts";

export function weightsKey(sha256: string): string {
  return `weights/${sha256}`;
}

/**
 * The size of the file R2 holds under this sha256, or null. Every write checks the digest, so the
 * bytes are right; a manifest can still lie about their size, which is why callers compare it.
 */
export async function storedSize(bucket: R2Bucket, sha256: string): Promise<number | null> {
  return (await bucket.head(weightsKey(sha256)))?.size ?? null;
}

/** Says that R2 holds a file's bytes under another size than its manifest declares. */
export function wrongSize(name: string, stored: number, declared: number): string {
  return `R2 holds ${name}'s bytes (by sha256) with ${stored} bytes, but the manifest says ${declared}: publish a manifest with the file's true size.`;
}

/** Where the parts of a multipart upload are assembled before they are verified. */
export function stagingKey(uploadId: string): string {
  return `staging/${uploadId}`;
}

/**
 * Aborts multipart uploads, so R2 drops (and stops billing) their parts, and deletes anything
 * they staged. An upload R2 no longer knows (completed, aborted, expired) is not an error.
 */
export async function discardUploads(
  bucket: R2Bucket,
  uploads: readonly { id: string; r2_key: string; r2_upload_id: string }[],
): Promise<void> {
  if (uploads.length === 0) return;
  await Promise.all(
    uploads.map((upload) =>
      bucket
        .resumeMultipartUpload(upload.r2_key, upload.r2_upload_id)
        .abort()
        .catch(() => undefined),
    ),
  );
  await bucket.delete(uploads.map((upload) => stagingKey(upload.id)));
}

export type StoreResult = { ok: true } | { ok: false; code: "size_mismatch" | "sha256_mismatch" | "upload_incomplete"; message: string };

/**
 * `body` counted and hashed on its way through; `check`, once the stream has been read, says
 * whether it was the expected file. A wrong length errors the stream at once, before a byte too
 * many passes or a close comes too early.
 */
function measured(body: ReadableStream<Uint8Array>, expected: { bytes: number; sha256: string }) {
  const digest = new crypto.DigestStream("SHA-256");
  const digestWriter = digest.getWriter();
  let received = 0;
  let ended = false;
  const stream = body.pipeThrough(
    new TransformStream<Uint8Array, Uint8Array>({
      async transform(chunk, controller) {
        received += chunk.byteLength;
        if (received > expected.bytes) return controller.error(new RangeError("body longer than the manifest says"));
        await digestWriter.write(chunk);
        controller.enqueue(chunk);
      },
      async flush(controller) {
        if (received < expected.bytes) return controller.error(new RangeError("body shorter than the manifest says"));
        ended = true;
        await digestWriter.close();
      },
    }),
  );
  async function check(piped: PromiseSettledResult<void>): Promise<StoreResult> {
    if (!ended) {
      if (piped.status === "rejected" && piped.reason instanceof RangeError) {
        const how = received > expected.bytes ? "more" : "fewer";
        return {
          ok: false,
          code: "size_mismatch",
          message: `Received ${how} bytes than the manifest's ${expected.bytes}: upload the exact file.`,
        };
      }
      return {
        ok: false,
        code: "upload_incomplete",
        message: `The body broke off after ${received} of ${expected.bytes} bytes: retry the upload.`,
      };
    }
    const actual = toHex(await digest.digest);
    if (actual !== expected.sha256) {
      return {
        ok: false,
        code: "sha256_mismatch",
        message: `The body's sha256 is ${actual}, the manifest says ${expected.sha256}: upload the file the manifest describes.`,
      };
    }
    return { ok: true };
  }
  return { stream, check };
}

/** Reads `body` to its end and says whether it is the expected file, writing nothing. */
export async function verifyBody(body: ReadableStream<Uint8Array>, expected: { bytes: number; sha256: string }): Promise<StoreResult> {
  const { stream, check } = measured(body, expected);
  const [piped] = await Promise.allSettled([stream.pipeTo(new WritableStream())]);
  return check(piped);
}

/**
 * Streams `body` into R2 at `key` while hashing it. R2 is given the expected sha256 too, so it
 * refuses to commit wrong bytes: a failed upload never leaves an object behind. The byte count
 * and our own digest say which way it failed.
 */
export async function storeVerified(
  bucket: R2Bucket,
  key: string,
  body: ReadableStream<Uint8Array>,
  expected: { bytes: number; sha256: string },
): Promise<StoreResult> {
  const { stream, check } = measured(body, expected);
  const fixed = new FixedLengthStream(expected.bytes);
  const [piped, put] = await Promise.allSettled([
    stream.pipeTo(fixed.writable),
    bucket.put(key, fixed.readable, { sha256: expected.sha256 }),
  ]);
  const result = await check(piped);
  if (!result.ok && result.code === "sha256_mismatch" && put.status === "fulfilled") await bucket.delete(key);
  if (result.ok && put.status === "rejected") throw put.reason;
  return result;
}
