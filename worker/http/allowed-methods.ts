/** The methods an app answers at a path, for a 405's Allow header (RFC 9110 section 15.5.6). */
import type { Router } from "hono/router";
import type { H, RouterRoute } from "hono/types";

interface Routed {
  routes: RouterRoute[];
  router: Router<[H, RouterRoute]>;
}

/**
 * Asks the app's own router, so the answer follows its matching rules exactly; middleware and
 * catch-alls (method ALL) do not count as answering. HEAD goes wherever GET does, as Hono answers it.
 */
export function allowedMethods(app: Routed, path: string): string[] {
  const methods = new Set(app.routes.map((route) => route.method).filter((method) => method !== "ALL"));
  const allowed = [...methods].filter((method) => app.router.match(method, path)[0].some(([[, route]]) => route.method === method));
  if (allowed.includes("GET")) allowed.push("HEAD");
  return allowed.sort();
}
