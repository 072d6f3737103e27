/** Assembles the Worker: cross-cutting middleware, the API under /api, the built page for the rest, and the cron. */
import { cors } from "hono/cors";
import { requestId } from "hono/request-id";
import { secureHeaders } from "hono/secure-headers";
import { abortAbandonedUploads, finishInterruptedDeletions } from "./cleanup.ts";
import type { Bindings } from "./env.ts";
import { allowedMethods } from "./http/allowed-methods.ts";
import { ApiError, onError } from "./http/errors.ts";
import { createRouter } from "./http/openapi.ts";
import { adminFiles } from "./routes/admin-files.ts";
import { adminModels } from "./routes/admin-models.ts";
import { adminTokens } from "./routes/admin-tokens.ts";
import { healthRoutes } from "./routes/health.ts";
import { models } from "./routes/models.ts";
import { weights } from "./routes/weights.ts";

const api = createRouter()
  .use(async (c, next) => {
    await next();
    // API data is public and token-guarded (no cookies): other origins may read and embed it.
    c.header("Cross-Origin-Resource-Policy", "cross-origin");
  })
  .use("/admin/*", async (c, next) => {
    await next();
    // Admin answers (a new token's secret among them) are for their caller alone: no cache keeps them.
    c.header("Cache-Control", "no-store");
  })
  .route("/", healthRoutes)
  .route("/", models)
  .route("/", weights)
  .route("/", adminModels)
  .route("/", adminFiles)
  .route("/", adminTokens);

const app = createRouter();

app.use(requestId());
app.use(async (c, next) => {
  const started = Date.now();
  await next();
  console.log(
    JSON.stringify({
      request_id: c.get("requestId"),
      method: c.req.method,
      path: new URL(c.req.url).pathname,
      status: c.res.status,
      ms: Date.now() - started,
      token: c.get("principal")?.tokenId,
    }),
  );
});
app.use(
  secureHeaders({
    // overwrite: false lets a route set its own Cross-Origin-Resource-Policy.
    overwrite: false,
    // Cross-origin isolation: no other site's window shares the page's browsing context group or process.
    crossOriginOpenerPolicy: "same-origin",
    crossOriginEmbedderPolicy: "require-corp",
    crossOriginResourcePolicy: "same-origin",
    contentSecurityPolicy: {
      defaultSrc: ["'self'"],
      scriptSrc: ["'self'", "'wasm-unsafe-eval'"],
      workerSrc: ["'self'", "blob:"],
      imgSrc: ["'self'", "data:", "blob:"],
      connectSrc: ["'self'"],
      styleSrc: ["'self'", "'unsafe-inline'"],
      objectSrc: ["'none'"],
      baseUri: ["'self'"],
      formAction: ["'self'"],
      frameAncestors: ["'none'"],
    },
  }),
);
app.use(
  "/api/*",
  cors({
    origin: "*",
    allowMethods: ["GET", "HEAD", "POST", "PUT", "DELETE", "OPTIONS"],
    allowHeaders: ["Authorization", "Content-Type", "Range", "If-None-Match", "If-Range", "X-Request-Id"],
    exposeHeaders: ["ETag", "Content-Range", "Content-Length", "Accept-Ranges", "Retry-After", "X-Request-Id"],
    maxAge: 86400,
  }),
);

app.route("/api", api);
app.openAPIRegistry.registerComponent("securitySchemes", "bearer", {
  type: "http",
  scheme: "bearer",
  description: "An API token (POST /api/admin/tokens) or the ADMIN_TOKEN secret.",
});
app.doc("/api/openapi.json", {
  openapi: "3.0.3",
  info: {
    title: "edge-diffusion registry",
    version: "1",
    description: "Model versions (manifest, training facts, metrics) and their weight files. Errors are `{error, message}`.",
  },
});

app.all("/api/*", (c) => {
  const allowed = allowedMethods(app, c.req.path);
  if (allowed.length > 0) {
    throw new ApiError(405, "method_not_allowed", `This path answers ${allowed.join(", ")} only: see /api/openapi.json.`, undefined, {
      Allow: allowed.join(", "),
    });
  }
  throw new ApiError(404, "not_found", "No API route has this path: see /api/openapi.json.");
});
// Everything else is the page; ASSETS serves index.html for unknown paths (SPA fallback).
app.all("*", async (c) => {
  const asset = await c.env.ASSETS.fetch(c.req.raw);
  // A fresh Response, because fetched headers are immutable and the middleware adds headers.
  const response = new Response(asset.body, asset);
  // The service worker's script names its build's files (web/src/sw.ts): no cache may keep it
  // unasked, so a visit after a deploy finds the new build.
  if (new URL(c.req.url).pathname === "/sw.js") response.headers.set("Cache-Control", "no-cache");
  return response;
});
app.onError(onError);

export default {
  fetch: app.fetch,
  /** The hourly cron (wrangler.toml [triggers]). */
  async scheduled(controller, env) {
    const aborted = await abortAbandonedUploads(env, controller.scheduledTime);
    const removed = await finishInterruptedDeletions(env);
    console.log(JSON.stringify({ cron: controller.cron, aborted_uploads: aborted, removed_weights: removed }));
  },
} satisfies ExportedHandler<Bindings>;
