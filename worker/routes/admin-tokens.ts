/** Admin routes over API tokens: the secret is returned once, at creation; only its hash is kept. */
import { createRoute, z } from "@hono/zod-openapi";
import { Scope, TokenInfo, TokenParams } from "../contract/schemas.ts";
import { randomHex, sha256Hex } from "../crypto.ts";
import { insertToken, listTokens, revokeToken, type TokenRow } from "../db/tokens.ts";
import { principalOf } from "../http/auth.ts";
import { jsonBodyLimit } from "../http/body-limit.ts";
import { ApiError } from "../http/errors.ts";
import { adminOnly, createRouter, errors, json } from "../http/openapi.ts";
import { checkGrantable, expiryFor } from "../minting.ts";
import { now } from "../time.ts";

function tokenInfo(row: TokenRow): TokenInfo {
  return {
    id: row.id,
    name: row.name,
    scopes: Scope.array().parse(row.scopes.split(" ")),
    created_at: row.created_at,
    revoked_at: row.revoked_at,
    expires_at: row.expires_at,
    last_used_at: row.last_used_at,
  };
}

const NewToken = z
  .object({
    name: z
      .string()
      .trim()
      .min(1)
      .max(64)
      // Printable characters only: a name ends up in logs and lists.
      .regex(/^[^\p{Cc}\p{Cf}]+$/u, "a token name has printable characters only")
      .openapi({ example: "publish script" }),
    scopes: z
      .array(Scope)
      .min(1)
      .refine((scopes) => new Set(scopes).size === scopes.length, { message: "scopes must not repeat" }),
    expires_in_seconds: z.number().int().min(1).optional().openapi({ description: "The token expires this long after creation." }),
    expires_at: z.iso
      .datetime({ offset: true })
      .refine((at) => Date.parse(at) > Date.now(), { message: "expires_at must be in the future" })
      .optional()
      .openapi({
        description:
          "The token expires at this time. Omit both expiry fields for the latest allowed: TOKEN_MAX_LIFETIME_DAYS (90) from now, " +
          "or the minting token's own expiry if that comes first.",
      }),
  })
  .refine((token) => token.expires_in_seconds === undefined || token.expires_at === undefined, {
    message: "give expires_in_seconds or expires_at, not both",
    path: ["expires_at"],
  });

/** A name, three scopes and an expiry take about 200 bytes. */
const newTokenLimit = jsonBodyLimit(16 * 1024, "A token request");

const create = createRoute({
  method: "post",
  path: "/admin/tokens",
  summary: "Create a token with scopes the caller holds, expiring no later than the caller; its secret is in this response only",
  ...adminOnly("tokens:admin", newTokenLimit),
  request: { body: { required: true, content: { "application/json": { schema: NewToken } } } },
  responses: {
    201: json(TokenInfo.extend({ token: z.string().openapi({ description: "Send as `Authorization: Bearer <token>`." }) }), "Created."),
    ...errors(400, 401, 403, 413, 429),
  },
});

const list = createRoute({
  method: "get",
  path: "/admin/tokens",
  summary: "List tokens (never their secrets)",
  ...adminOnly("tokens:admin"),
  responses: { 200: json(z.object({ items: z.array(TokenInfo) }), "All tokens, oldest first."), ...errors(401, 403, 429) },
});

const revoke = createRoute({
  method: "delete",
  path: "/admin/tokens/{token_id}",
  summary: "Revoke a token (revoking twice is harmless)",
  ...adminOnly("tokens:admin"),
  request: { params: TokenParams },
  responses: { 200: json(TokenInfo, "The revoked token."), ...errors(400, 401, 403, 404, 429) },
});

const whoami = createRoute({
  method: "get",
  path: "/admin/token",
  summary: "The calling token: its id and scopes (a client checks what it may do before it changes anything)",
  ...adminOnly(null),
  responses: { 200: json(z.object({ id: z.string(), scopes: z.array(Scope) }), "The token that sent this request."), ...errors(401, 429) },
});

export const adminTokens = createRouter()
  .openapi(whoami, (c) => {
    const principal = principalOf(c);
    return c.json({ id: principal.tokenId, scopes: [...principal.scopes] }, 200);
  })
  .openapi(create, async (c) => {
    const request = c.req.valid("json");
    const { name, scopes } = request;
    const minter = principalOf(c);
    checkGrantable(minter, scopes);
    const createdAt = now();
    const expiresAt = expiryFor(minter, request, Date.parse(createdAt), c.env);
    const id = `tok_${randomHex(8)}`;
    const secret = `edt_${randomHex(32)}`;
    await insertToken(c.env.DB, { id, name, hash: await sha256Hex(secret), scopes, expiresAt }, createdAt);
    return c.json(
      { id, name, scopes, created_at: createdAt, revoked_at: null, expires_at: expiresAt, last_used_at: null, token: secret },
      201,
    );
  })
  .openapi(list, async (c) => c.json({ items: (await listTokens(c.env.DB)).map(tokenInfo) }, 200))
  .openapi(revoke, async (c) => {
    const row = await revokeToken(c.env.DB, c.req.valid("param").token_id, now());
    if (!row) throw new ApiError(404, "token_not_found", "No token has this id: list them with GET /api/admin/tokens.");
    return c.json(tokenInfo(row), 200);
  });
