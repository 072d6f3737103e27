/**
 * The UNet on several WASM engines at once. Each engine is a single-threaded ORT session, the first in
 * the inference worker, the others each in a worker of its own (engine-worker.ts); every batch is split
 * into contiguous shares of rows, one per engine, run together and put back in order. On a 2-core
 * machine two such engines ran the int8 UNet's tiles 1.24x faster than one session with 2 threads,
 * whose hand-offs between threads at every op cost more than this small UNet's ops gain from them; and
 * separate workers need no cross-origin isolation, which ORT's own threads do.
 */
import type { Manifest } from "../api/models.ts";
import type { UNet } from "../diffusion/guidance.ts";

export type EngineRequest =
  | { type: "open"; weights: ArrayBuffer; manifest: Manifest }
  | { type: "run"; id: number; x: Float32Array; t: Float32Array; labels: Int32Array };

export type EngineReply =
  | { type: "opened" }
  | { type: "open-failed"; message: string }
  | { type: "ran"; id: number; out: Float32Array }
  | { type: "failed"; id: number; message: string };

export interface Engine {
  run: UNet;
  /** False once its worker has failed or been released: later batches go to the other engines. */
  readonly alive: boolean;
  release(): void;
}

/** Rows per engine for a batch: as equal as can be, the larger shares first. */
export function shares(batch: number, engines: number): number[] {
  return Array.from({ length: engines }, (_, k) => Math.floor(batch / engines) + (k < batch % engines ? 1 : 0));
}

/**
 * One UNet over the engines alive at each call, each taking its share (`shares`) of the batch's rows of
 * `rowLength` values. (The first engine, the inference worker's own session, never dies.)
 */
export function pooled(engines: readonly Pick<Engine, "run" | "alive">[], rowLength: number): UNet {
  return async (x, t, classLabels) => {
    const live = engines.filter((engine) => engine.alive);
    const parts: Promise<Float32Array>[] = [];
    let from = 0;
    for (const [k, rows] of shares(classLabels.length, live.length).entries()) {
      const to = from + rows;
      if (rows > 0)
        parts.push(live[k].run(x.subarray(from * rowLength, to * rowLength), t.subarray(from, to), classLabels.subarray(from, to)));
      from = to;
    }
    const out = new Float32Array(classLabels.length * rowLength);
    let at = 0;
    for (const part of await Promise.all(parts)) {
      out.set(part, at);
      at += part.length;
    }
    return out;
  };
}

/** An engine in a worker of its own, opened on `weights` (copied to it); async, so a browser without nested workers rejects. */
export async function workerEngine(weights: ArrayBuffer, manifest: Manifest): Promise<Engine> {
  const worker = new Worker(new URL("./engine-worker.ts", import.meta.url), { type: "module" });
  const pending = new Map<number, { resolve: (out: Float32Array) => void; reject: (error: Error) => void }>();
  let nextId = 0;
  let alive = true;
  const run: UNet = (x, t, labels) =>
    new Promise((resolve, reject) => {
      if (!alive) return reject(new Error("the WASM engine was released"));
      const id = nextId++;
      pending.set(id, { resolve, reject });
      // Copies of the shares, so the caller's batch stays whole.
      const request: EngineRequest = { type: "run", id, x: x.slice(), t: t.slice(), labels: labels.slice() };
      worker.postMessage(request, [request.x.buffer, request.t.buffer, request.labels.buffer]);
    });
  const release = () => {
    alive = false;
    worker.terminate();
    for (const { reject } of pending.values()) reject(new Error("the WASM engine was released"));
    pending.clear();
  };
  return new Promise((resolve, reject) => {
    worker.onerror = (event) => {
      release();
      reject(new Error(`a WASM engine worker failed: ${event.message}`));
    };
    worker.onmessage = ({ data }: MessageEvent<EngineReply>) => {
      if (data.type === "opened")
        return resolve({
          run,
          get alive() {
            return alive;
          },
          release,
        });
      if (data.type === "open-failed") {
        release();
        return reject(new Error(`a WASM engine failed to open: ${data.message}`));
      }
      const waiting = pending.get(data.id);
      pending.delete(data.id);
      if (data.type === "ran") waiting?.resolve(data.out);
      else waiting?.reject(new Error(data.message));
    };
    const open: EngineRequest = { type: "open", weights, manifest };
    worker.postMessage(open);
  });
}
