import type { Context } from "hono";
import { HTTPException } from "hono/http-exception";
import type { ContentfulStatusCode } from "hono/utils/http-status";
import type { ZodError } from "zod";
import type { AppEnv } from "../env.ts";

/** A failure the client can act on: a stable snake_case code plus a sentence saying what to do. */
export class ApiError extends Error {
  constructor(
    readonly status: ContentfulStatusCode,
    readonly code: string,
    message: string,
    readonly details?: Record<string, unknown>,
    readonly headers?: Record<string, string>,
  ) {
    super(message);
  }
}

export function errorBody(code: string, message: string, details?: Record<string, unknown>) {
  return { error: code, message, ...details };
}

/** Hono's own exceptions (malformed JSON, wrong media type, body too large) get stable codes too. */
const HTTP_EXCEPTION_CODES: Record<number, [string, string]> = {
  400: ["malformed_body", "The request body could not be parsed: send valid JSON with Content-Type: application/json."],
  413: ["payload_too_large", "The request body is too large for this route."],
  415: ["unsupported_media_type", "Send the body with the Content-Type this route documents in /api/openapi.json."],
};

export function onError(err: Error, c: Context<AppEnv>): Response {
  if (err instanceof ApiError) {
    return c.json(errorBody(err.code, err.message, err.details), err.status, err.headers);
  }
  if (err instanceof HTTPException) {
    const [code, message] = HTTP_EXCEPTION_CODES[err.status] ?? ["http_error", err.message];
    return c.json(errorBody(code, message), err.status as ContentfulStatusCode);
  }
  console.error(JSON.stringify({ request_id: c.get("requestId"), error: String(err), stack: err.stack }));
  return c.json(
    errorBody("internal_error", "The server failed unexpectedly; retry, and report the request id if it persists.", {
      request_id: c.get("requestId"),
    }),
    500,
  );
}

/** Validation hook shared by every route: a 400 naming each offending field. */
export function validationHook(result: { success: boolean; error?: ZodError; target: string }) {
  if (result.success || !result.error) return;
  const issues = result.error.issues.map((issue) => ({ path: issue.path.map(String).join("."), message: issue.message }));
  const first = issues[0];
  throw new ApiError(
    400,
    "invalid_request",
    `Invalid ${result.target}${first ? ` at '${first.path}': ${first.message}` : ""}. Fix the request as /api/openapi.json describes.`,
    { issues },
  );
}
