/** Messages between the page and the inference worker. Arrays travel as transferable typed arrays. */
import type { Manifest } from "../api/manifest.ts";
import type { SamplerName } from "../diffusion/samplers.ts";

export type BackendRequest = "auto" | "webgpu" | "wasm";

export interface BackendInfo {
  kind: "webgpu" | "wasm";
  /** WASM threads (1 when the page is not cross-origin isolated). */
  threads: number;
  variant: "fp32" | "fp16";
  /** Why a faster backend is not in use (no adapter, device lost, ...), if so. */
  fallbackReason?: string;
}

export interface GenerateParams {
  /** A class index, "random" (one class per image from the seed), or the null class for unconditional. */
  classLabel: number | "random";
  count: number;
  steps: number;
  sampler: SamplerName;
  guidance: number;
  seed: number;
}

export interface RestoreParams {
  /** The damaged image, CHW in [-1, 1]. */
  image: Float32Array;
  /** size*size, 1 where the pixel is known; null when nothing is missing. */
  mask: Uint8Array | null;
  downsample: 1 | 2 | 4;
  grayscale: boolean;
  /** Std of the pixel noise in the image, in [-1, 1] units (0: none). */
  noise: number;
  steps: number;
  /** Repeats per step (RePaint resampling); 1 is plain DDNM. */
  resample: number;
  /** Restorations drawn in one batch and averaged: 1 is one sharp, plausible answer. */
  candidates: number;
  seed: number;
}

export type Request =
  | { type: "load"; manifest: Manifest; backend: BackendRequest; threads?: number }
  | { type: "generate"; job: number; params: GenerateParams }
  | { type: "restore"; job: number; params: RestoreParams }
  | { type: "cancel"; job: number }
  | { type: "bench"; job: number; batch: number; runs: number };

export type Reply =
  | { type: "download"; file: string; loaded: number; total: number; cached: boolean }
  | { type: "ready"; backend: BackendInfo; loadMs: number }
  | { type: "backend"; backend: BackendInfo }
  | { type: "progress"; job: number; step: number; steps: number; preview: Float32Array }
  | { type: "done"; job: number; images: Float32Array; labels: Int32Array }
  | { type: "bench-result"; job: number; ms: number[] }
  | { type: "cancelled"; job: number }
  | { type: "error"; job?: number; message: string };
