// The Worker as bench:worker runs it in workerd (scripts/lib/workerd-bench.ts bundles this file
// with wrangler): worker/index.ts unchanged, its D1 binding behind a proxy that counts statements.
// Plain JS, not TS: it runs in workerd, so the scripts' Node type-check has no business with it.
import worker from "../../worker/index.ts";

// Module scope lives as long as the isolate (one, in miniflare): a running total over all requests.
let d1Statements = 0;

/**
 * The real D1 binding; every statement, batched or not, goes through prepare() (exec() takes raw
 * SQL), so counting those two counts the queries. The same method as test/worker/caching.test.ts.
 */
function counting(db) {
  return new Proxy(db, {
    get(target, key) {
      if (key === "prepare" || key === "exec") {
        return (...args) => {
          d1Statements += 1;
          return target[key](...args);
        };
      }
      const value = Reflect.get(target, key);
      return typeof value === "function" ? value.bind(target) : value;
    },
  });
}

export default {
  ...worker,
  async fetch(request, env, ctx) {
    const path = new URL(request.url).pathname;
    // Bench-only paths, outside /api so they can never shadow a Worker route.
    if (path === "/__bench/d1-statements") return Response.json({ statements: d1Statements });
    // The floor: what dispatchFetch and workerd cost with no Worker code at all.
    if (path === "/__bench/noop") return new Response("ok");
    return worker.fetch(request, { ...env, DB: counting(env.DB) }, ctx);
  },
};
