/**
 * A model-sized UNet over a whole photo: the TypeScript mirror of model/diffusion/tiles.py.
 *
 * The UNet was trained on `tile` x `tile` images. An image of any larger size is cut into tiles that
 * run as one batch, and each call shifts the tile grid by a fresh offset, so seams never settle in
 * one place (DDNM's "mask-shift" restoration, Wang et al. 2023). Tiles that would cross the image's
 * edge are pulled inside it, so they overlap their neighbours; where tiles overlap, their predictions
 * are averaged (as MultiDiffusion, Bar-Tal et al. 2023, averages overlapping windows). The result is
 * an `EpsModel` over the whole image, so the samplers and the DDNM+ projection run on it unchanged.
 */
import type { EpsModel } from "./samplers.ts";

export interface ImageSize {
  channels: number;
  height: number;
  width: number;
}

/** The grid offset (dy, dx) of one call, each in [0, tile). */
export type Offsets = () => readonly [number, number];

/** Starts of the tiles that cover [0, length): a grid shifted by `offset`, edge tiles pulled inside. */
export function tilePositions(length: number, tile: number, offset: number): number[] {
  if (length < tile) throw new Error(`an image side of ${length} is smaller than the tile (${tile}): pad it first`);
  if (!(Number.isInteger(offset) && offset >= 0 && offset < tile))
    throw new Error(`the grid offset must be in [0, ${tile}), got ${offset}`);
  const starts = new Set<number>();
  for (let start = offset ? offset - tile : 0; start < length; start += tile) starts.add(Math.min(Math.max(start, 0), length - tile));
  return [...starts].sort((a, b) => a - b);
}

/**
 * The corners [row, column] of one call's tiles: the grid shifted by `offsets`, and, with `needed`
 * (height*width, 1 where the UNet must predict), only the tiles that hold a needed pixel.
 */
export function tileCorners(height: number, width: number, tile: number, [dy, dx]: readonly [number, number], needed?: Uint8Array) {
  const holdsNeeded = ([i, j]: readonly [number, number]) => {
    for (let r = i; r < i + tile; r++) for (let k = j; k < j + tile; k++) if (needed![r * width + k]) return true;
    return false;
  };
  const columns = tilePositions(width, tile, dx);
  const corners = tilePositions(height, tile, dy).flatMap((i) => columns.map((j) => [i, j] as const));
  return needed ? corners.filter(holdsNeeded) : corners;
}

/**
 * Tiles per image in a call on the grid shifted by half a tile: the most a call runs (one row and
 * column more than an unshifted grid), or, with `needed`, as many as a typical call runs.
 */
export function tileCount(height: number, width: number, tile: number, needed?: Uint8Array): number {
  const half = Math.floor(tile / 2);
  return tileCorners(height, width, tile, [half, half], needed).length;
}

/** A fresh (dy, dx), uniform in [0, tile)^2, for every call. */
export function randomOffsets(tile: number, uniform: () => number): Offsets {
  return () => [Math.floor(uniform() * tile), Math.floor(uniform() * tile)];
}

/**
 * Where the UNet is not needed: `needed` (height*width, 1 where the UNet must predict) and
 * the prediction for the pixels that no running tile covers.
 */
export interface TileSkipping {
  needed: Uint8Array;
  fallback: EpsModel;
}

/**
 * `tileEps` (for any batch of tile x tile images) as a noise predictor for images of `size` (each
 * side >= tile). With `skip`, only the tiles that hold a needed pixel run: removing a scratch from a
 * large photo runs the UNet on the tiles along the scratch alone.
 */
export function tiledEpsModel(tileEps: EpsModel, size: ImageSize, tile: number, offsets: Offsets, skip?: TileSkipping): EpsModel {
  const { channels, height, width } = size;
  const plane = height * width;
  return async (x, t) => {
    const batch = x.length / (channels * plane);
    const corners = tileCorners(height, width, tile, offsets(), skip?.needed);
    // Image-major, as in Python: tile k of image b is row b * corners.length + k of the UNet's batch.
    const visitRows = (visit: (tileStart: number, imageStart: number) => void) => {
      let tileStart = 0;
      for (let b = 0; b < batch; b++) {
        for (const [i, j] of corners) {
          for (let c = 0; c < channels; c++) {
            for (let r = 0; r < tile; r++, tileStart += tile) visit(tileStart, ((b * channels + c) * height + i + r) * width + j);
          }
        }
      }
    };
    const total = new Float64Array(x.length);
    if (corners.length > 0) {
      const tiles = new Float64Array(batch * corners.length * channels * tile * tile);
      visitRows((tileStart, imageStart) => tiles.set(x.subarray(imageStart, imageStart + tile), tileStart));
      const epsTiles = await tileEps(tiles, t);
      visitRows((tileStart, imageStart) => {
        for (let k = 0; k < tile; k++) total[imageStart + k] += epsTiles[tileStart + k];
      });
    }
    const count = new Float64Array(plane);
    for (const [i, j] of corners) for (let r = 0; r < tile; r++) for (let k = 0; k < tile; k++) count[(i + r) * width + j + k]++;
    const fallback = skip && (await skip.fallback(x, t));
    for (let p = 0; p < total.length; p++) {
      const n = count[p % plane];
      total[p] = n > 0 ? total[p] / n : fallback![p];
    }
    return total;
  };
}
