/** Timestamps as stored in D1 and returned by the API: ISO 8601 in UTC with milliseconds. */
export function now(): string {
  return new Date().toISOString();
}
