/** Images as the model sees them (CHW float in [-1, 1]) and as the page shows them (RGBA canvases). */
import { type ImageParameters, withParameters } from "./parameters.ts";

/** The model's images: square, `size` x `size`. */
export interface ImageShape {
  channels: number;
  size: number;
}

/** Any image: a photo, a restoration of it, or the model's square. */
export interface Raster {
  channels: number;
  height: number;
  width: number;
}

export const rasterOf = ({ channels, size }: ImageShape): Raster => ({ channels, height: size, width: size });

const toByte = (v: number) => Math.round(Math.min(1, Math.max(-1, v)) * 127.5 + 127.5);

/** The `index`-th image of a batch, as RGBA pixels (one channel is shown as gray). */
export function toImageData(values: ArrayLike<number>, index: number, { channels, height, width }: Raster): ImageData {
  const plane = height * width;
  const base = index * channels * plane;
  const rgba = new Uint8ClampedArray(plane * 4);
  for (let p = 0; p < plane; p++) {
    for (let c = 0; c < 3; c++) rgba[p * 4 + c] = toByte(values[base + Math.min(c, channels - 1) * plane + p]);
    rgba[p * 4 + 3] = 255;
  }
  return new ImageData(rgba, width, height);
}

/** RGBA bytes (opaque) to CHW in [-1, 1]; one channel is the mean of red, green and blue. */
export function fromRgba(rgba: ArrayLike<number>, channels: number, pixels: number): Float32Array {
  const out = new Float32Array(channels * pixels);
  for (let p = 0; p < pixels; p++) {
    if (channels === 1) out[p] = (rgba[p * 4] + rgba[p * 4 + 1] + rgba[p * 4 + 2]) / 382.5 - 1;
    else for (let c = 0; c < channels; c++) out[c * pixels + p] = rgba[p * 4 + c] / 127.5 - 1;
  }
  return out;
}

/** Decodes an uploaded file, or says clearly that it is not an image. */
export async function decodeImage(blob: Blob, name = "the file", options?: ImageBitmapOptions): Promise<ImageBitmap> {
  if (blob.size === 0) throw new Error(`${name} is empty (0 bytes): choose the image again, or another one.`);
  try {
    return await createImageBitmap(blob, options);
  } catch {
    const type = blob.type || "unknown type";
    throw new Error(`${name} (${type}) is not an image this browser can decode: use a PNG, JPEG, WebP or GIF.`);
  }
}

/** The largest centred square of the image, resized to the model's resolution. */
export function fromImage(source: CanvasImageSource & { width: number; height: number }, { channels, size }: ImageShape): Float32Array {
  const canvas = new OffscreenCanvas(size, size);
  const context = canvas.getContext("2d", { willReadFrequently: true })!;
  const side = Math.min(source.width, source.height);
  context.imageSmoothingQuality = "high";
  context.drawImage(source, (source.width - side) / 2, (source.height - side) / 2, side, side, 0, 0, size, size);
  return fromRgba(context.getImageData(0, 0, size, size).data, channels, size * size);
}

/** Peak signal-to-noise ratio in dB, for values in [-1, 1] (peak-to-peak 2). */
export function psnr(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let sum = 0;
  for (let i = 0; i < a.length; i++) {
    const d = Math.min(1, Math.max(-1, a[i])) - Math.min(1, Math.max(-1, b[i]));
    sum += d * d;
  }
  return 10 * Math.log10(4 / (sum / a.length));
}

/** Shows `pixels` on a canvas once it is mounted (a ref's canvas is null before). */
export function paint(canvas: HTMLCanvasElement | OffscreenCanvas | null, pixels: ImageData): void {
  canvas?.getContext("2d")?.putImageData(pixels, 0, 0);
}

/**
 * A PNG of the given images side by side in rows of `columns`, each scaled up by `scale` (nearest
 * neighbour), carrying the `parameters` that made them.
 */
export async function pngOf(
  values: ArrayLike<number>,
  indices: number[],
  raster: Raster,
  columns: number,
  scale = 1,
  parameters?: ImageParameters,
): Promise<Blob> {
  const { height, width } = raster;
  const rows = Math.ceil(indices.length / columns);
  const tile = new OffscreenCanvas(width, height);
  const out = new OffscreenCanvas(Math.min(columns, indices.length) * width * scale, rows * height * scale);
  const context = out.getContext("2d")!;
  context.imageSmoothingEnabled = false;
  for (const [k, index] of indices.entries()) {
    tile.getContext("2d")!.putImageData(toImageData(values, index, raster), 0, 0); // an OffscreenCanvas always has one
    context.drawImage(tile, (k % columns) * width * scale, Math.floor(k / columns) * height * scale, width * scale, height * scale);
  }
  const png = await out.convertToBlob({ type: "image/png" });
  return parameters ? withParameters(png, parameters) : png;
}

export function downloadBlob(blob: Blob, filename: string) {
  const url = URL.createObjectURL(blob);
  const link = Object.assign(document.createElement("a"), { href: url, download: filename });
  link.click();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}
