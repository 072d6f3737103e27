/** Conditional and range requests for immutable, content-addressed files (RFC 9110 sections 13-14). */

export type RangeRequest = { kind: "full" } | { kind: "partial"; offset: number; length: number } | { kind: "unsatisfiable" };

/** True when an If-None-Match list names `etag` (weak comparison, as RFC 9110 13.1.2 requires). */
export function noneMatch(header: string | undefined, etag: string): boolean {
  if (!header) return false;
  if (header.trim() === "*") return true;
  return header.split(",").some((tag) => tag.trim().replace(/^W\//, "") === etag);
}

/**
 * Reads a single `bytes=` range. Anything else (other units, several ranges, bad syntax) is ignored
 * and the whole file is sent, which RFC 9110 14.2 allows; If-Range must match the strong ETag.
 */
export function parseRange(header: string | undefined, ifRange: string | undefined, size: number, etag: string): RangeRequest {
  if (!header || (ifRange !== undefined && ifRange.trim() !== etag)) return { kind: "full" };
  const match = /^bytes=(\d*)-(\d*)$/.exec(header.trim());
  if (!match) return { kind: "full" };
  const [, first = "", last = ""] = match;
  if (first === "" && last === "") return { kind: "full" };
  if (first === "") {
    const suffix = Number(last);
    if (suffix === 0) return { kind: "unsatisfiable" };
    const length = Math.min(suffix, size);
    return { kind: "partial", offset: size - length, length };
  }
  const offset = Number(first);
  const end = last === "" ? size - 1 : Math.min(Number(last), size - 1);
  if (last !== "" && Number(last) < offset) return { kind: "full" };
  if (offset >= size) return { kind: "unsatisfiable" };
  return { kind: "partial", offset, length: end - offset + 1 };
}
