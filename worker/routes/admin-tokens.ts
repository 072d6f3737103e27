/** Admin routes over API tokens: the secret is returned once, at creation; only its hash is kept. */
import { createRoute, z } from "@hono/zod-openapi";
import { randomHex, sha256Hex } from "../crypto";
import { insertToken, listTokens, revokeToken, type TokenRow } from "../db/tokens";
import { ApiError } from "../errors";
import { adminOnly, createRouter, errors, json } from "../openapi";
import { Scope, TokenInfo, TokenParams } from "../schemas";
import { now } from "../time";

function tokenInfo(row: TokenRow): TokenInfo {
  return {
    id: row.id,
    name: row.name,
    scopes: Scope.array().parse(row.scopes.split(" ")),
    created_at: row.created_at,
    revoked_at: row.revoked_at,
  };
}

const NewToken = z.object({
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
});

const create = createRoute({
  method: "post",
  path: "/admin/tokens",
  summary: "Create a token; its secret is in this response only",
  ...adminOnly("tokens:admin"),
  request: { body: { required: true, content: { "application/json": { schema: NewToken } } } },
  responses: {
    201: json(TokenInfo.extend({ token: z.string().openapi({ description: "Send as `Authorization: Bearer <token>`." }) }), "Created."),
    ...errors(400, 401, 403, 429),
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
    const principal = c.get("principal");
    if (!principal) throw new Error("the scope check sets the principal before this handler runs");
    return c.json({ id: principal.tokenId, scopes: [...principal.scopes] }, 200);
  })
  .openapi(create, async (c) => {
    const { name, scopes } = c.req.valid("json");
    const id = `tok_${randomHex(8)}`;
    const secret = `edt_${randomHex(32)}`;
    const createdAt = now();
    await insertToken(c.env.DB, { id, name, hash: await sha256Hex(secret), scopes }, createdAt);
    return c.json({ id, name, scopes, created_at: createdAt, revoked_at: null, token: secret }, 201);
  })
  .openapi(list, async (c) => c.json({ items: (await listTokens(c.env.DB)).map(tokenInfo) }, 200))
  .openapi(revoke, async (c) => {
    const row = await revokeToken(c.env.DB, c.req.valid("param").token_id, now());
    if (!row) throw new ApiError(404, "token_not_found", "No token has this id: list them with GET /api/admin/tokens.");
    return c.json(tokenInfo(row), 200);
  });
