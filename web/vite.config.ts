import preact from "@preact/preset-vite";
import { defineConfig } from "vite";
import { serviceWorker } from "./service-worker-plugin.ts";

export default defineConfig({
  root: "web",
  plugins: [preact(), serviceWorker("web/src/sw.ts")],
  // The inference worker imports onnxruntime-web on demand, so ORT lands in chunks of its own: its
  // WASM threads re-import the chunk that holds it, which must not carry the app with it.
  worker: { format: "es" },
  build: {
    outDir: "dist",
    // bench.html: the browser half of npm run bench:web, on the same worker code as the page.
    rolldownOptions: { input: { main: "web/index.html", bench: "web/bench.html" } },
    emptyOutDir: true,
    target: "es2022",
    // ORT's minified bundles are large by nature; the warning would only repeat that.
    chunkSizeWarningLimit: 1024,
  },
  server: {
    headers: { "Cross-Origin-Opener-Policy": "same-origin", "Cross-Origin-Embedder-Policy": "require-corp" },
  },
});
