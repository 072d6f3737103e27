/** Messages between the page and the inference worker. Arrays travel as transferable typed arrays. */
import type { Manifest } from "../api/models.ts";
import type { SamplerName } from "../diffusion/samplers.ts";

export type BackendRequest = "auto" | "webgpu" | "wasm";

export interface BackendInfo {
  kind: "webgpu" | "wasm";
  /** WASM engines, one thread each (engines.ts); 1 on WebGPU. */
  threads: number;
  variant: "fp32" | "fp16" | "int8";
  /** Why a faster backend is not in use (no adapter, device lost, ...), if so. */
  fallbackReason?: string;
  /** On WASM, why the weights are fp32 rather than int8 (the version's verdict, or int8 failing to load), if so. */
  weightsNote?: string;
}

export interface WasmOptions {
  /** WASM engines to run, one thread each (default: one per core, at most 4). */
  threads?: number;
  /** Run these weights whatever the version's int8 verdict (the benchmark compares the two). */
  weights?: "fp32" | "int8";
}

export interface GenerateParams {
  /** A class index, "random" (one class per image from the seed), or the null class for unconditional. */
  classLabel: number | "random";
  count: number;
  steps: number;
  sampler: SamplerName;
  guidance: number;
  /** Guide only where lo < sigma <= hi (one pass instead of two elsewhere); null: guide every step. */
  guidanceInterval: readonly [number, number] | null;
  seed: number;
}

/**
 * A restoration: the image as the visitor has it (the measurement), restored at its own size, or
 * `upscale` times larger, tile by tile with the model's prior. The 32x32 demo is the same job on a
 * model-sized image.
 */
export interface RestoreParams {
  /** The image as it is, CHW in [-1, 1], `height` x `width`. */
  image: Float32Array;
  height: number;
  width: number;
  /** height*width, 1 where the pixel is right, 0 where it is lost (scratches, holes); null when nothing is lost. */
  mask: Uint8Array | null;
  /** Super-resolution: the result is `upscale` times the image's height and width. */
  upscale: 1 | 2 | 4;
  /** The image lost its colour: only the mean of its channels is kept. */
  grayscale: boolean;
  /**
   * Std of the noise in the measurement (the image's pixels, averaged to gray when `grayscale`), in
   * [-1, 1] units (0: none). A black-and-white photo's channels carry the same noise, so averaging
   * them keeps it whole.
   */
  noise: number;
  steps: number;
  /** Repeats per step (RePaint resampling); 1 is plain DDNM. */
  resample: number;
  /** Restorations drawn in one batch and averaged: 1 is one sharp, plausible answer. */
  candidates: number;
  seed: number;
}

/** How far a job is: its steps, and the UNet's work (tiles, or images) done of the total. */
export interface JobProgress {
  step: number;
  steps: number;
  done: number;
  total: number;
  /** The current estimate of the result, at the end of each step (null between steps). */
  preview: Float32Array | null;
}

export type Request =
  | { type: "load"; manifest: Manifest; backend: BackendRequest; wasm: WasmOptions }
  | { type: "generate"; job: number; params: GenerateParams }
  | { type: "restore"; job: number; params: RestoreParams }
  | { type: "cancel"; job: number }
  | { type: "bench"; job: number; batch: number; runs: number };

export type Reply =
  | { type: "download"; file: string; loaded: number; total: number; cached: boolean }
  | { type: "ready"; backend: BackendInfo; loadMs: number }
  | { type: "backend"; backend: BackendInfo }
  | ({ type: "progress"; job: number } & JobProgress)
  /** `spread`: for several candidates, each pixel's standard deviation across them (where the restoration is unsure). */
  | { type: "done"; job: number; images: Float32Array; labels: Int32Array; spread?: Float32Array }
  | { type: "bench-result"; job: number; ms: number[] }
  | { type: "cancelled"; job: number }
  | { type: "error"; job?: number; message: string };
