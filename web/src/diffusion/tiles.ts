/**
 * A model-sized UNet over a whole photo: the TypeScript mirror of model/diffusion/tiles.py.
 *
 * The UNet was trained on `tile` x `tile` images. An image of any larger size is cut into tiles that
 * run as one batch, and each call shifts the tile grid by a fresh offset, so seams never settle in
 * one place (DDNM's "mask-shift" restoration, Wang et al. 2023). Tiles that would cross the image's
 * edge are pulled inside it, so they overlap their neighbours. Where tiles overlap, their predictions
 * are blended with weights that fall towards each tile's edge (as MultiDiffusion, Bar-Tal et al. 2023,
 * blends overlapping windows). The result is an `EpsModel` over the whole image, so the samplers and
 * the DDNM+ projection run on it unchanged.
 *
 * The first call of a restoration moves the image the most, and each tile's error there becomes a
 * seam that later calls keep as if it were detail, unless the projection puts the tile's shade right,
 * which it cannot where every pixel is noisy. So for a noisy photo the first call runs two grids half
 * a tile apart, each seam of one mid-tile in the other (model/diffusion/tiles.py says what that measured).
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

/** The grids of a noisy photo's first call: the unshifted one and the one half a tile off it. */
const firstGrids = (tile: number): [number, number][] => [
  [0, 0],
  [Math.floor(tile / 2), Math.floor(tile / 2)],
];

/**
 * The corners [row, column] of one call's tiles: those of the grids shifted by each of `grids` (a
 * tile two grids share once), and, with `needed` (height*width, 1 where the UNet must predict), only
 * the tiles that hold a needed pixel.
 */
export function tileCorners(
  height: number,
  width: number,
  tile: number,
  grids: readonly (readonly [number, number])[],
  needed?: Uint8Array,
) {
  const holdsNeeded = ([i, j]: readonly [number, number]) => {
    for (let r = i; r < i + tile; r++) for (let k = j; k < j + tile; k++) if (needed![r * width + k]) return true;
    return false;
  };
  const unique = new Map<string, readonly [number, number]>();
  for (const [dy, dx] of grids) {
    const columns = tilePositions(width, tile, dx);
    for (const i of tilePositions(height, tile, dy)) for (const j of columns) unique.set(`${i},${j}`, [i, j] as const);
  }
  const corners = [...unique.values()];
  return needed ? corners.filter(holdsNeeded) : corners;
}

/**
 * Tiles per image in a call on the grid shifted by half a tile (the most a one-grid call runs: one
 * row and column more than an unshifted grid), and in the first call, on two grids with
 * `twoGridsFirst`; with `needed`, as many as such calls run.
 */
export function tileCount(
  height: number,
  width: number,
  tile: number,
  { needed, twoGridsFirst = false }: { needed?: Uint8Array; twoGridsFirst?: boolean } = {},
): { perCall: number; firstCall: number } {
  const half = Math.floor(tile / 2);
  const perCall = tileCorners(height, width, tile, [[half, half]], needed).length;
  return { perCall, firstCall: twoGridsFirst ? tileCorners(height, width, tile, firstGrids(tile), needed).length : perCall };
}

/** [tile*tile] weights that fall linearly from the tile's centre towards its edges (never to 0). */
function tent(tile: number): Float64Array {
  const side = Array.from({ length: tile }, (_, i) => Math.min(i + 0.5, tile - i - 0.5) / (tile / 2));
  return Float64Array.from({ length: tile * tile }, (_, p) => side[Math.floor(p / tile)] * side[p % tile]);
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
 * side >= tile), on one grid per call, shifted by `offsets()`; with `twoGridsFirst`, its first call
 * runs on the two `firstGrids` instead. With `skip`, only the tiles that hold a needed pixel run:
 * removing a scratch from a large photo runs the UNet on the tiles along the scratch alone.
 */
export function tiledEpsModel(
  tileEps: EpsModel,
  size: ImageSize,
  tile: number,
  offsets: Offsets,
  { skip, twoGridsFirst = false }: { skip?: TileSkipping; twoGridsFirst?: boolean } = {},
): EpsModel {
  const { channels, height, width } = size;
  const plane = height * width;
  const weights = tent(tile);
  let calls = 0;
  return async (x, t) => {
    const batch = x.length / (channels * plane);
    const first = calls++ === 0;
    const grids = twoGridsFirst && first ? firstGrids(tile) : [offsets()];
    const corners = tileCorners(height, width, tile, grids, skip?.needed);
    // Image-major, as in Python: tile k of image b is row b * corners.length + k of the UNet's batch.
    // `visit` hears each tile row's start in the batch, in the image, and in the tile's weights.
    const visitRows = (visit: (tileStart: number, imageStart: number, weightStart: number) => void) => {
      let tileStart = 0;
      for (let b = 0; b < batch; b++) {
        for (const [i, j] of corners) {
          for (let c = 0; c < channels; c++) {
            for (let r = 0; r < tile; r++, tileStart += tile) visit(tileStart, ((b * channels + c) * height + i + r) * width + j, r * tile);
          }
        }
      }
    };
    const total = new Float64Array(x.length);
    if (corners.length > 0) {
      const tiles = new Float64Array(batch * corners.length * channels * tile * tile);
      visitRows((tileStart, imageStart) => tiles.set(x.subarray(imageStart, imageStart + tile), tileStart));
      const epsTiles = await tileEps(tiles, t);
      visitRows((tileStart, imageStart, weightStart) => {
        for (let k = 0; k < tile; k++) total[imageStart + k] += epsTiles[tileStart + k] * weights[weightStart + k];
      });
    }
    const weight = new Float64Array(plane);
    for (const [i, j] of corners) {
      for (let r = 0; r < tile; r++) for (let k = 0; k < tile; k++) weight[(i + r) * width + j + k] += weights[r * tile + k];
    }
    const fallback = skip && (await skip.fallback(x, t));
    for (let p = 0; p < total.length; p++) {
      const w = weight[p % plane];
      total[p] = w > 0 ? total[p] / w : fallback![p];
    }
    return total;
  };
}
