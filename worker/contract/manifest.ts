import { z } from "@hono/zod-openapi";

/** The manifest contract shared with model/onnx_export/manifest.py, the publish script and the page. */
export const MANIFEST_SCHEMA = "edge-diffusion/manifest@1";
/** Largest single weight file the registry accepts (R2 multipart allows far more; the browser does not). */
export const MAX_FILE_BYTES = 4 * 1024 ** 3;

export const VersionId = z
  .string()
  .regex(/^[a-z0-9][a-z0-9._-]{0,63}$/, "must match ^[a-z0-9][a-z0-9._-]{0,63}$")
  // GET /api/models/current would shadow a version with this id.
  .refine((id) => id !== "current", { message: "'current' is reserved" })
  .openapi({ example: "cifar10-cpu-2026-11-29-1a2b3c" });
/**
 * One rule for file names: a letter or digit first, so never "." or ".." (which no URL can reach
 * once normalised, nor a hidden file), then no separators, spaces or control characters.
 */
export const FileName = z
  .string()
  .regex(
    /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/,
    "must match ^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$: a letter or digit, then up to 127 letters, digits, '.', '_' or '-'",
  )
  .openapi({ example: "model.onnx" });
export const Sha256 = z
  .string()
  .regex(/^[0-9a-f]{64}$/, "must be 64 lowercase hex digits")
  .openapi({ example: "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08" });

const count = z.number().int().nonnegative();

/** The samplers model/diffusion/samplers.py and web/src/diffusion/samplers.ts both implement. */
export const SAMPLER_NAMES = ["ddpm", "ddim", "dpmpp_2m", "dpmpp_3m"] as const;

const RestoreDefaults = z.strictObject({
  steps: z.number().int().min(1).max(10000),
  /** Repeats per step (RePaint resampling); 1 is plain DDNM. */
  resample: z.number().int().min(1).max(100),
});

/** How a version generates best: the Generate form's first settings. */
export const GenerateDefaults = z.strictObject({
  sampler: z.enum(SAMPLER_NAMES),
  steps: z.number().int().min(1).max(10000),
  guidance: z.number().min(0).max(100),
  /** Guidance applies only to steps at noise levels sigma in (low, high]; null: at every step. */
  guidance_interval: z.tuple([z.number().nonnegative(), z.number().positive()]).nullable(),
  /**
   * A distilled student's own timesteps, strictly decreasing: it was trained at them, one per step.
   * Absent: `steps` spaced in log-SNR (model/diffusion/schedule.py's sampling_timesteps).
   */
  timesteps: z.array(z.number().int().nonnegative()).min(1).max(10000).optional(),
});

/**
 * The settings this version is best used at, as model.export recorded them (from model.eval's
 * record when given): the page starts its forms from them and keeps no copy of its own.
 */
const Defaults = z.strictObject({
  generate: GenerateDefaults,
  /** A model-sized image (the demo). */
  restore: RestoreDefaults,
  /** A photo at its own size, restored tile by tile (except enlargements, below). */
  restore_photo: RestoreDefaults,
  /**
   * A photo enlarged x2 or x4, tile by tile. Absent in versions published before it: enlargements
   * then use `restore_photo` (photoDefaults in ./photo-defaults.ts).
   */
  enlarge_photo: RestoreDefaults.optional(),
  /** DDNM's stochasticity in restoration's DDIM steps (0: deterministic). */
  ddnm_eta: z.number().min(0).max(1),
});

/** Free-form values under `training` and `metrics`: numbers, strings, booleans, null, nested objects/arrays. */
function isFreeForm(value: unknown, depth: number): boolean {
  if (depth > 8) return false;
  if (value === null || typeof value === "boolean") return true;
  if (typeof value === "number") return Number.isFinite(value);
  if (typeof value === "string") return value.length <= 4096;
  if (Array.isArray(value)) return value.length <= 4096 && value.every((v) => isFreeForm(v, depth + 1));
  if (typeof value === "object") return Object.values(value).every((v) => isFreeForm(v, depth + 1));
  return false;
}
const freeFormCheck = (value: Record<string, unknown>) => isFreeForm(value, 0);
const FREE_FORM_MESSAGE = "values must be numbers, strings, booleans, null or nested objects/arrays (depth <= 8)";

const Tensor = z.strictObject({
  name: z.string().min(1).max(128),
  dtype: z.enum(["float32", "float16", "int32", "int64", "uint8", "bool"]),
  shape: z.array(z.union([z.number().int().min(-1), z.string().min(1).max(64)])).max(8),
});

export const ManifestFile = z.strictObject({
  name: FileName,
  /** fp16 for WebGPU only; int8 (QDQ convolutions) for WASM only, and only when `int8Verdict` (./int8.ts) says it holds. */
  variant: z.enum(["fp32", "fp16", "int8"]),
  bytes: z.number().int().positive().max(MAX_FILE_BYTES),
  sha256: Sha256,
});
export type ManifestFile = z.infer<typeof ManifestFile>;

/**
 * The version's evaluation of its int8 file beside fp32, on the same seeds (model.eval --int8): the
 * Frechet distance of `samples` generated images, and the mean PSNR of restored photos when photos
 * were measured. model.eval adds facts of its own (the plan, class accuracy, ...).
 */
const Int8Metrics = z.looseObject({
  frechet_distance: z.number().nonnegative(),
  fp32_frechet_distance: z.number().nonnegative(),
  samples: z.number().int().positive(),
  photo_psnr_db: z.number().optional(),
  fp32_photo_psnr_db: z.number().optional(),
});

export const Manifest = z
  .strictObject({
    schema: z.literal(MANIFEST_SCHEMA),
    id: VersionId,
    name: z.string().min(1).max(200),
    /** A distilled student's teacher: the version it learned from (model.export --teacher), one click away in the page. */
    teacher: VersionId.optional(),
    created: z.iso.datetime({ offset: true }),
    image: z
      .strictObject({
        size: z.number().int().min(1).max(4096),
        channels: z.number().int().min(1).max(4),
        range: z.tuple([z.number(), z.number()]),
      })
      .refine((image) => image.range[0] < image.range[1], { message: "range must be [low, high] with low < high", path: ["range"] }),
    classes: z
      .strictObject({ names: z.array(z.string().min(1).max(64)).max(1000), null_class: count })
      .refine((classes) => classes.null_class === classes.names.length, {
        message: "null_class must equal names.length",
        path: ["null_class"],
      }),
    diffusion: z
      .strictObject({
        schedule: z.string().min(1).max(64),
        timesteps: z.number().int().min(1).max(10000),
        prediction: z.enum(["eps", "v"]), // model/diffusion/schedule.py trains no other
        alphas_cumprod: z.array(z.number().min(0).max(1)).min(1).max(10000),
      })
      .refine((d) => d.alphas_cumprod.length === d.timesteps, {
        message: "alphas_cumprod must have exactly `timesteps` entries",
        path: ["alphas_cumprod"],
      }),
    defaults: Defaults,
    onnx: z.strictObject({
      opset: z.number().int().min(7).max(30),
      inputs: z.array(Tensor).min(1).max(16),
      outputs: z.array(Tensor).min(1).max(16),
    }),
    files: z
      .array(ManifestFile)
      .min(1)
      .max(16)
      .refine((files) => new Set(files.map((f) => f.name)).size === files.length, { message: "file names must be unique" }),
    training: z
      .looseObject({
        dataset: z.string().max(200).optional(),
        images_seen: count.optional(),
        steps: count.optional(),
        batch_size: count.optional(),
        parameters: count.optional(),
        hardware: z.string().max(500).optional(),
        wall_seconds: z.number().nonnegative().optional(),
        code_revision: z.string().max(100).optional(),
        preset: z.string().max(100).optional(),
      })
      .refine(freeFormCheck, { message: FREE_FORM_MESSAGE }),
    metrics: z.looseObject({ int8: Int8Metrics.optional() }).refine(freeFormCheck, { message: FREE_FORM_MESSAGE }),
  })
  .superRefine(({ defaults, diffusion }, ctx) => {
    for (const name of ["generate", "restore", "restore_photo", "enlarge_photo"] as const) {
      const steps = defaults[name]?.steps;
      if (steps !== undefined && steps > diffusion.timesteps) {
        ctx.addIssue({ code: "custom", message: "default steps cannot exceed diffusion.timesteps", path: ["defaults", name, "steps"] });
      }
    }
  })
  .refine(
    ({ defaults: { generate }, diffusion }) =>
      !generate.timesteps ||
      (generate.timesteps.length === generate.steps &&
        generate.timesteps.every((t, i, all) => t < diffusion.timesteps && (i === 0 || t < (all[i - 1] ?? t)))),
    {
      message: "defaults.generate.timesteps must be one per step, strictly decreasing, below diffusion.timesteps",
      path: ["defaults", "generate", "timesteps"],
    },
  )
  .openapi("Manifest");
export type Manifest = z.infer<typeof Manifest>;

/** JSON with object keys sorted at every level: equal manifests give equal strings. */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) =>
    v && typeof v === "object" && !Array.isArray(v)
      ? Object.fromEntries(Object.entries(v as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)))
      : v,
  );
}

/** The public URL of a weight file; content-addressed, so it can be cached forever. */
export function weightsPath(sha256: string): string {
  return `/api/weights/${sha256}`;
}
