/** The page's handle on the inference worker: a promise per job, progress by callback, cancellation by AbortSignal. */
import type { Manifest } from "../api/models.ts";
import type { BackendInfo, BackendRequest, GenerateParams, JobProgress, Reply, Request, RestoreParams, WasmOptions } from "./protocol.ts";

export interface JobResult {
  images: Float32Array;
  labels: Int32Array;
  /** Restorations of several candidates: each pixel's standard deviation across them. */
  spread?: Float32Array;
}

export interface JobOptions {
  /** Aborting it stops the job before its next UNet pass, and the promise rejects with the signal's reason (a job that finished first still resolves). */
  signal?: AbortSignal;
  onProgress?: (progress: JobProgress) => void;
}

type Pending = {
  resolve(value: unknown): void;
  reject(error: unknown): void;
  onProgress?: (progress: JobProgress) => void;
  signal?: AbortSignal;
};

export interface ClientEvents {
  onDownload(file: string, loaded: number, total: number, cached: boolean): void;
  onBackend(backend: BackendInfo): void;
}

export class InferenceClient {
  private readonly worker = new Worker(new URL("./inference-worker.ts", import.meta.url), { type: "module" });
  private readonly pending = new Map<number, Pending>();
  private loading?: Pick<Pending, "resolve" | "reject">;
  private nextJob = 1;

  constructor(private readonly events: ClientEvents) {
    this.worker.onmessage = ({ data }: MessageEvent<Reply>) => this.receive(data);
    this.worker.onerror = (event) => this.failAll(new Error(`the inference worker crashed: ${event.message}`));
  }

  load(manifest: Manifest, backend: BackendRequest, wasm: WasmOptions = {}): Promise<{ backend: BackendInfo; loadMs: number }> {
    this.loading?.reject(new Error("superseded by another model"));
    return new Promise((resolve, reject) => {
      this.loading = { resolve: resolve as Pending["resolve"], reject };
      this.send({ type: "load", manifest, backend, wasm });
    });
  }

  generate(params: GenerateParams, options?: JobOptions): Promise<JobResult> {
    return this.start((job) => ({ type: "generate", job, params }), options);
  }

  restore(params: RestoreParams, options?: JobOptions): Promise<JobResult> {
    return this.start((job) => ({ type: "restore", job, params }), options);
  }

  /** Milliseconds per UNet pass at this batch size, after one warm-up pass. */
  bench(batch: number, runs: number): Promise<number[]> {
    return this.start<number[]>((job) => ({ type: "bench", job, batch, runs }));
  }

  private start<T>(request: (job: number) => Request, { signal, onProgress }: JobOptions = {}): Promise<T> {
    if (signal?.aborted) return Promise.reject(signal.reason);
    const job = this.nextJob++;
    const cancel = () => this.send({ type: "cancel", job });
    signal?.addEventListener("abort", cancel, { once: true });
    const result = new Promise<T>((resolve, reject) => {
      this.pending.set(job, { resolve: resolve as Pending["resolve"], reject, onProgress, signal });
      try {
        this.send(request(job));
      } catch (error) {
        this.settle(job, (p) => p.reject(error)); // e.g. parameters postMessage cannot clone
      }
    });
    return result.finally(() => signal?.removeEventListener("abort", cancel));
  }

  private send(request: Request) {
    this.worker.postMessage(request);
  }

  private receive(reply: Reply) {
    switch (reply.type) {
      case "download":
        return this.events.onDownload(reply.file, reply.loaded, reply.total, reply.cached);
      case "backend":
        return this.events.onBackend(reply.backend);
      case "ready":
        this.events.onBackend(reply.backend);
        this.loading?.resolve({ backend: reply.backend, loadMs: reply.loadMs });
        this.loading = undefined;
        return;
      case "progress": {
        const { type: _, job, ...progress } = reply;
        return this.pending.get(job)?.onProgress?.(progress);
      }
      case "done":
        return this.settle(reply.job, (p) => p.resolve({ images: reply.images, labels: reply.labels, spread: reply.spread }));
      case "bench-result":
        return this.settle(reply.job, (p) => p.resolve(reply.ms));
      case "cancelled":
        return this.settle(reply.job, (p) => p.reject(p.signal?.reason));
      case "error":
        if (reply.job === undefined) {
          this.loading?.reject(new Error(reply.message));
          this.loading = undefined;
        } else {
          this.settle(reply.job, (p) => p.reject(new Error(reply.message)));
        }
    }
  }

  private settle(job: number, how: (pending: Pending) => void) {
    const pending = this.pending.get(job);
    this.pending.delete(job);
    if (pending) how(pending);
  }

  private failAll(error: unknown) {
    this.loading?.reject(error);
    this.loading = undefined;
    for (const pending of this.pending.values()) pending.reject(error);
    this.pending.clear();
  }
}
