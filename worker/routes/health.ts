/** Liveness that also proves the database answers. */
import { createRoute, z } from "@hono/zod-openapi";
import { createRouter, json } from "../http/openapi.ts";

const health = createRoute({
  method: "get",
  path: "/health",
  summary: "The Worker and its database are up",
  responses: { 200: json(z.object({ status: z.literal("ok") }), "Healthy.") },
});

export const healthRoutes = createRouter().openapi(health, async (c) => {
  await c.env.DB.prepare("SELECT 1").run();
  return c.json({ status: "ok" as const }, 200, { "Cache-Control": "no-store" });
});
