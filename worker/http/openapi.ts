/** Shared pieces of route declarations, so every route documents itself the same way. */
import { OpenAPIHono, type z } from "@hono/zod-openapi";
import type { MiddlewareHandler } from "hono";
import { ErrorBody, type Scope } from "../contract/schemas.ts";
import type { AppEnv } from "../env.ts";
import { requireScope } from "./auth.ts";
import { validationHook } from "./errors.ts";

export function createRouter() {
  return new OpenAPIHono<AppEnv>({ defaultHook: validationHook });
}

export function json<T extends z.ZodType>(schema: T, description: string) {
  return { description, content: { "application/json": { schema } } };
}

const ERROR_DESCRIPTIONS = {
  400: "Invalid input (`invalid_request`, `malformed_body`, `size_mismatch`, `expiry_too_late`).",
  401: "No valid token (`missing_token`, `invalid_token`, `token_revoked`, `token_expired`).",
  403: "The token lacks the route's scope (`insufficient_scope`), or a scope it would grant (`scope_not_held`).",
  404: "Not found.",
  409: "The registry's state forbids this (e.g. `version_exists`, `version_id_retired`, `weights_being_deleted`, `files_missing`).",
  411: "Content-Length is required (`length_required`).",
  413: "Body over the size limit (`payload_too_large`).",
  416: "Range not satisfiable.",
  422: "The bytes do not match the manifest (`sha256_mismatch`).",
  429: "Too many failed authentication attempts (`too_many_failed_attempts`).",
} as const;

/** Error responses a route can give, all with the `{error, message}` body. */
export function errors(...statuses: (keyof typeof ERROR_DESCRIPTIONS)[]) {
  return Object.fromEntries(statuses.map((status) => [status, json(ErrorBody, ERROR_DESCRIPTIONS[status])]));
}

/** What every admin route declares: the scope check (before validation, so no token means 401) and its docs. */
export function adminOnly(scope: Scope | null, ...more: MiddlewareHandler<AppEnv>[]) {
  return {
    middleware: [requireScope(scope), ...more],
    security: [{ bearer: [] }],
    description: scope ? `Needs a bearer token with the \`${scope}\` scope.` : "Needs any valid bearer token.",
  };
}
