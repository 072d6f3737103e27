/** Masks of what is lost in an image: one byte per pixel, 1 where the pixel is right, 0 where it is lost. */

export interface Point {
  /** Pixel coordinates: x across, y down; a pixel's centre is at +0.5. */
  x: number;
  y: number;
}

export const fullMask = (pixels: number): Uint8Array => new Uint8Array(pixels).fill(1);

export const hasLoss = (mask: Uint8Array): boolean => mask.includes(0);

/** Sets every pixel within `radius` of the segment from `from` to `to` to `value`, in place (a brush stroke without gaps). */
export function paintStroke(mask: Uint8Array, width: number, height: number, from: Point, to: Point, radius: number, value: 0 | 1): void {
  const dx = to.x - from.x;
  const dy = to.y - from.y;
  const length2 = dx * dx + dy * dy;
  // The half-pixel slack keeps a brush of 1 pixel from missing every pixel centre.
  const reach2 = radius * radius + 0.5;
  const top = Math.max(0, Math.floor(Math.min(from.y, to.y) - radius));
  const bottom = Math.min(height - 1, Math.ceil(Math.max(from.y, to.y) + radius));
  const left = Math.max(0, Math.floor(Math.min(from.x, to.x) - radius));
  const right = Math.min(width - 1, Math.ceil(Math.max(from.x, to.x) + radius));
  for (let i = top; i <= bottom; i++) {
    for (let j = left; j <= right; j++) {
      const [px, py] = [j + 0.5 - from.x, i + 0.5 - from.y];
      const along = length2 > 0 ? Math.min(1, Math.max(0, (px * dx + py * dy) / length2)) : 0;
      if ((px - along * dx) ** 2 + (py - along * dy) ** 2 <= reach2) mask[i * width + j] = value;
    }
  }
}

/** A mask from an uploaded mask image (RGBA, already at the photo's size): white (bright and opaque) marks what is lost. */
export function maskFromRgba(rgba: ArrayLike<number>, pixels: number): Uint8Array {
  const mask = fullMask(pixels);
  for (let p = 0; p < pixels; p++) {
    const luma = 0.299 * rgba[p * 4] + 0.587 * rgba[p * 4 + 1] + 0.114 * rgba[p * 4 + 2];
    if (luma >= 128 && rgba[p * 4 + 3] >= 128) mask[p] = 0;
  }
  return mask;
}

/** A centred box of half the image's height and width. */
export function holeMask(height: number, width: number): Uint8Array {
  const mask = fullMask(height * width);
  for (let i = Math.floor(height / 4); i < Math.floor((3 * height) / 4); i++) {
    for (let j = Math.floor(width / 4); j < Math.floor((3 * width) / 4); j++) mask[i * width + j] = 0;
  }
  return mask;
}

/** Three thin diagonal lines, like scratches on a print. */
export function scratchMask(height: number, width: number): Uint8Array {
  const mask = fullMask(height * width);
  for (const offset of [-width / 3, 0, width / 3]) {
    for (let i = 0; i < height; i++) {
      const j = Math.round(((i * 0.6) / height) * width + width / 5 + offset);
      if (j >= 0 && j < width) mask[i * width + j] = 0;
    }
  }
  return mask;
}

/** Earlier masks to go back to, newest last; the oldest are forgotten past `limit` (a mask of a large photo is a megabyte). */
export class UndoHistory<T> {
  private readonly past: T[] = [];

  constructor(private readonly limit = 20) {}

  /** Remembers `state` (the one about to be replaced). */
  push(state: T): void {
    this.past.push(state);
    if (this.past.length > this.limit) this.past.shift();
  }

  /** The state before the last change, or undefined when there is none. */
  undo(): T | undefined {
    return this.past.pop();
  }

  get canUndo(): boolean {
    return this.past.length > 0;
  }
}
