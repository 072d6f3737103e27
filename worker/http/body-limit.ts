/** Size caps for JSON request bodies, enforced before the body is parsed. */
import { bodyLimit } from "hono/body-limit";
import { ApiError } from "./errors.ts";

/**
 * Refuses a body over `maxBytes` with 413 `payload_too_large`. A declared Content-Length is
 * checked before a byte is read; a body without one (chunked) is counted while it is read and
 * refused as soon as it passes the cap, so no request holds more than `maxBytes` in memory.
 */
export function jsonBodyLimit(maxBytes: number, what: string) {
  return bodyLimit({
    maxSize: maxBytes,
    onError: () => {
      throw new ApiError(413, "payload_too_large", `${what} may have at most ${maxBytes} bytes.`);
    },
  });
}
