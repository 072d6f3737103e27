/**
 * Builds web/src/sw.ts into dist/sw.js and writes into it BUILD: every file of this build (the
 * bundle and the public folder) with its sha256. So each build's sw.js differs, which is how the
 * browser learns of a new build, and the worker knows exactly which bytes make up its page.
 */
import { createHash } from "node:crypto";
import { readdirSync, readFileSync } from "node:fs";
import { join, relative } from "node:path";
import type { Plugin } from "vite";
import type { Build, BuildFile } from "./src/sw.ts";

/** One fixed URL: the page registers it, and the browser re-checks it on each visit. */
const SW = "sw.js";

const sha256 = (bytes: string | Uint8Array) => createHash("sha256").update(bytes).digest("hex");
/** The URL the Worker serves a file of web/dist at: index.html is the page at "/". */
const urlOf = (fileName: string) => (fileName === "index.html" ? "/" : `/${fileName}`);

function publicFiles(dir: string): BuildFile[] {
  if (!dir) return [];
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile())
    .map((entry) => join(entry.parentPath, entry.name))
    .map((path) => ({ url: urlOf(relative(dir, path)), sha256: sha256(readFileSync(path)) }));
}

export function serviceWorker(entry: string): Plugin {
  let publicDir = "";
  return {
    name: "edge-diffusion:service-worker",
    apply: "build",
    configResolved(config) {
      publicDir = config.publicDir;
    },
    buildStart() {
      this.emitFile({ type: "chunk", id: entry, fileName: SW });
    },
    generateBundle: {
      // After Vite has written index.html, so that its final bytes are the ones hashed.
      order: "post",
      handler(_, bundle) {
        const worker = bundle[SW];
        if (worker?.type !== "chunk" || worker.imports.length + worker.dynamicImports.length > 0) {
          this.error(`${SW} must be one script (a classic service worker cannot import): ${entry} shares a module with the page`);
        }
        // The benchmark page (npm run bench:web) is not the app: it is left out.
        const page = Object.values(bundle).filter(
          (file) =>
            file.fileName !== SW && file.fileName !== "bench.html" && !(file.type === "chunk" && file.isEntry && file.name === "bench"),
        );
        const files = [
          ...page.map((file) => ({ url: urlOf(file.fileName), sha256: sha256(file.type === "chunk" ? file.code : file.source) })),
          ...publicFiles(publicDir),
        ].sort((a, b) => a.url.localeCompare(b.url));
        const build: Build = { id: sha256(files.map((file) => file.sha256).join("")).slice(0, 16), files };
        worker.code = `const BUILD = ${JSON.stringify(build)};\n${worker.code}`;
      },
    },
  };
}
