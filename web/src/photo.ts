/**
 * A visitor's photo, read at its own size: scaled down only past MAX_SIDE, transparency flattened
 * onto white, the first frame of an animation, and a note for each of these so the page can say so.
 */
import { decodeImage, fromRgba, type Raster } from "./image.ts";
import { type ImageHeader, readImageHeader } from "./image-header.ts";

/** The long side a photo is restored at, at most: the work grows with the pixels, and a phone must cope. */
export const MAX_SIDE = 1024;
/** Up to this many pixels a file is decoded whole, then scaled; beyond, it is decoded straight to its final size. */
const DECODE_WHOLE_PIXELS = 4096 * 4096;
/** Enough of a file for its header (a JPEG's EXIF block, thumbnail included, comes before its size). */
const HEADER_BYTES = 256 * 1024;

export interface Photo extends Raster {
  /** CHW in [-1, 1]. */
  image: Float32Array;
  name: string;
  /** What the page changed or noticed while reading it, in words for the visitor. */
  notes: string[];
  /** Red, green and blue agree everywhere: a black-and-white photo, worth colourising. */
  grayscale: boolean;
}

/** The size with the long side at most `max`, keeping the aspect ratio (unchanged when it fits). */
export function fitWithin(width: number, height: number, max: number): { width: number; height: number } {
  const scale = max / Math.max(width, height);
  if (scale >= 1) return { width, height };
  return { width: Math.max(1, Math.round(width * scale)), height: Math.max(1, Math.round(height * scale)) };
}

/** Composites RGBA pixels onto white, in place; true when any pixel was not opaque. */
export function flattenOntoWhite(rgba: Uint8ClampedArray): boolean {
  let transparent = false;
  for (let p = 3; p < rgba.length; p += 4) {
    const alpha = rgba[p] / 255;
    if (alpha === 1) continue;
    transparent = true;
    for (let c = p - 3; c < p; c++) rgba[c] = rgba[c] * alpha + 255 * (1 - alpha);
    rgba[p] = 255;
  }
  return transparent;
}

/** True when red, green and blue differ by at most `tolerance` levels (a JPEG's rounding) in 99.9% of the pixels. */
export function looksGrayscale(rgba: ArrayLike<number>, tolerance = 3): boolean {
  const pixels = rgba.length / 4;
  let colourful = 0;
  for (let p = 0; p < pixels; p++) {
    const [r, g, b] = [rgba[p * 4], rgba[p * 4 + 1], rgba[p * 4 + 2]];
    if (Math.max(r, g, b) - Math.min(r, g, b) > tolerance) colourful++;
  }
  return colourful <= pixels / 1000;
}

export async function decodePhoto(blob: Blob, name: string, channels: number): Promise<Photo> {
  const header = readImageHeader(new Uint8Array(await blob.slice(0, HEADER_BYTES).arrayBuffer()));
  const { bitmap, original } = await decodeFitted(blob, name, header);
  const { width, height } = bitmap;
  const context = new OffscreenCanvas(width, height).getContext("2d", { willReadFrequently: true })!;
  context.drawImage(bitmap, 0, 0);
  bitmap.close();
  const { data } = context.getImageData(0, 0, width, height);

  const notes: string[] = [];
  if (original.width !== width || original.height !== height) {
    notes.push(
      `Scaled down from ${original.width}×${original.height} to ${width}×${height}: photos are restored up to ${MAX_SIDE} pixels on the long side.`,
    );
  }
  if (header?.animated) notes.push("It is animated: its first frame is restored.");
  if (flattenOntoWhite(data)) notes.push("Its transparent parts were filled with white.");
  const grayscale = channels > 1 && looksGrayscale(data);
  return { image: fromRgba(data, channels, width * height), channels, height, width, name, notes, grayscale };
}

/** The decoded photo at most MAX_SIDE on the long side, and its size before that. */
async function decodeFitted(
  blob: Blob,
  name: string,
  header: ImageHeader | null,
): Promise<{ bitmap: ImageBitmap; original: { width: number; height: number } }> {
  const high = { resizeQuality: "high" } as const;
  if (header && header.width * header.height > DECODE_WHOLE_PIXELS) {
    // Decoding 10000x10000 whole would take 400 MB first; the decoder can scale as it goes.
    const target = fitWithin(header.width, header.height, MAX_SIDE);
    const bitmap = await decodeImage(blob, name, { ...high, resizeWidth: target.width, resizeHeight: target.height }).catch(() => {
      // Chromium gives up on about 30000x30000 pixels, even when asked to scale as it decodes.
      throw new Error(
        `${name} is ${header.width}×${header.height} pixels, more than this browser can decode: scale it down (${MAX_SIDE} pixels on the long side is enough) and try again.`,
      );
    });
    return { bitmap, original: header };
  }
  const whole = await decodeImage(blob, name);
  const original = { width: whole.width, height: whole.height };
  const target = fitWithin(whole.width, whole.height, MAX_SIDE);
  if (target.width === whole.width && target.height === whole.height) return { bitmap: whole, original };
  // Scaled after decoding, so a phone photo's EXIF rotation is already applied to the size asked for.
  const bitmap = await createImageBitmap(whole, { ...high, resizeWidth: target.width, resizeHeight: target.height });
  whole.close();
  return { bitmap, original };
}
