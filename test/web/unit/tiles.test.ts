import { describe, expect, it } from "vitest";
import { photoProblem } from "../../../web/src/diffusion/restore";
import { createRng } from "../../../web/src/diffusion/rng";
import type { EpsModel } from "../../../web/src/diffusion/samplers";
import { randomOffsets, tileCount, tiledEpsModel, tilePositions } from "../../../web/src/diffusion/tiles";

const TILE = 8;

describe("tile positions", () => {
  it("cover every pixel of a side for every offset, with tiles inside the image", () => {
    for (const length of [8, 9, 16, 17, 40]) {
      for (let offset = 0; offset < TILE; offset++) {
        const starts = tilePositions(length, TILE, offset);
        const covered = new Uint8Array(length);
        for (const start of starts) {
          expect(start).toBeGreaterThanOrEqual(0);
          expect(start + TILE).toBeLessThanOrEqual(length);
          covered.fill(1, start, start + TILE);
        }
        expect(covered.every((c) => c === 1)).toBe(true);
      }
    }
  });

  it("move with the offset, so seams never settle in one place", () => {
    expect(tilePositions(32, TILE, 0)).toEqual([0, 8, 16, 24]);
    expect(tilePositions(32, TILE, 3)).toEqual([0, 3, 11, 19, 24]);
    const seams = new Set<number>();
    for (let offset = 0; offset < TILE; offset++) for (const start of tilePositions(32, TILE, offset)) seams.add(start);
    expect(seams.size).toBeGreaterThan(TILE);
  });

  it("are one tile for a side of one tile, and the most a call runs is one row and column more than the grid", () => {
    for (let offset = 0; offset < TILE; offset++) expect(tilePositions(TILE, TILE, offset)).toEqual([0]);
    expect(tileCount(32, 16, TILE)).toEqual({ perCall: 5 * 3, firstCall: 5 * 3 });
    expect(tileCount(256, 256, 32).perCall).toBe(81);
    // A noisy photo's first call runs two grids, which share the four tiles pulled inside at the corners.
    expect(tileCount(32, 16, TILE, { twoGridsFirst: true }).firstCall).toBe(4 * 2 + 5 * 3 - 4);
    expect(tileCount(256, 256, 32, { twoGridsFirst: true }).firstCall).toBe(64 + 81 - 4);
  });

  it("refuse sides smaller than a tile and offsets outside the tile", () => {
    expect(() => tilePositions(7, TILE, 0)).toThrow(/smaller than the tile/);
    expect(() => tilePositions(16, TILE, TILE)).toThrow(/offset must be in/);
  });

  it("random offsets are whole numbers in [0, tile)", () => {
    const offsets = randomOffsets(TILE, createRng(1).uniform);
    for (let k = 0; k < 100; k++) for (const v of offsets()) expect(Number.isInteger(v) && v >= 0 && v < TILE).toBe(true);
  });
});

describe("the tiled noise predictor", () => {
  const size = { channels: 2, height: 16, width: 24 };
  const x = createRng(2).normal(2 * size.channels * size.height * size.width);

  it("equals the untiled one for a UNet that sees each pixel alone, whatever the offsets", async () => {
    const pointwise: EpsModel = async (v) => v.map((value) => Math.tanh(value) - 0.3 * value);
    const expected = await pointwise(x, 10);
    for (const offsets of [
      [0, 0],
      [5, 1],
      [7, 7],
    ] as const) {
      const model = tiledEpsModel(pointwise, size, TILE, () => offsets, { twoGridsFirst: true });
      for (const out of [await model(x, 10), await model(x, 10)]) {
        expect(Math.max(...out.map((v, i) => Math.abs(v - expected[i])))).toBeLessThan(1e-12);
      }
    }
  });

  it("runs every tile of every image as one batch, and blends where tiles overlap", async () => {
    const batches: number[] = [];
    // Each tile predicts its own index, so a pixel's output is the weighted mean index of the tiles over it.
    const tileIndex: EpsModel = async (tiles) => {
      const length = size.channels * TILE * TILE;
      batches.push(tiles.length / length);
      return tiles.map((_, i) => Math.floor(i / length));
    };
    const model = tiledEpsModel(tileIndex, size, TILE, () => [0, 4], { twoGridsFirst: true });
    await model(x, 10);
    const out = await model(x, 10);
    const columns = tilePositions(24, TILE, 4); // [0, 4, 12, 16]
    // The first call: the unshifted grid's 2x3 tiles and the 3x4 of the grid shifted by (4, 4), 4 of them shared.
    expect(batches).toEqual([2 * (6 + 12 - 4), 2 * 2 * columns.length]);
    expect(out[0]).toBe(0); // covered by tile 0 only
    // Row 0, column 5: tile 0 sees it 2.5 pixels from its edge, tile 1 1.5 pixels: weights 2.5 and 1.5 of 4.
    expect(out[5]).toBeCloseTo(0.375, 12);
    expect(out[size.height * size.width * size.channels + 0]).toBe(8); // the second image's first tile
  });

  it("blends two grids at the first call, so a tile-level error leaves no seam", async () => {
    const [height, width, tile] = [48, 64, 16];
    const ramp = Float64Array.from({ length: height * width }, (_, p) => -1 + (2 * (p % width)) / (width - 1));
    // Each tile's prediction is off by its own shade: its mean.
    const tileMean: EpsModel = async (tiles) => {
      const length = tile * tile;
      const out = new Float64Array(tiles.length);
      for (let start = 0; start < tiles.length; start += length) {
        out.fill(tiles.subarray(start, start + length).reduce((a, b) => a + b, 0) / length, start, start + length);
      }
      return out;
    };
    const model = tiledEpsModel(tileMean, { channels: 1, height, width }, tile, () => [5, 3], { twoGridsFirst: true });
    // A seam is a line: the step between neighbouring columns, along the whole column, at the worst column.
    const worstColumnStep = (out: Float64Array) => {
      let worst = 0;
      for (let j = 0; j + 1 < width; j++) {
        let sum = 0;
        for (let i = 0; i < height; i++) sum += Math.abs(out[i * width + j + 1] - out[i * width + j]);
        worst = Math.max(worst, sum / height);
      }
      return worst;
    };
    const [first, second] = [worstColumnStep(await model(ramp, 0)), worstColumnStep(await model(ramp, 0))];
    // One grid steps by a tile's worth of the ramp (16 of its 2/63 per pixel); two blended ones by about twice its slope.
    expect(second).toBeGreaterThan(0.5);
    expect(first).toBeLessThan(0.07);
  });
});

describe("a photo's problem", () => {
  it("pads the canvas to whole tiles, and the padding is unknown to the projection", () => {
    const photo = createRng(3).normal(3 * 5 * 7);
    const { degradation, y, height, width } = photoProblem(photo, {
      channels: 3,
      height: 5,
      width: 7,
      known: null,
      downsample: 2,
      grayscale: false,
      tile: TILE,
    });
    expect([degradation.height, degradation.width, height, width]).toEqual([16, 16, 10, 14]);
    const known = degradation.known;
    expect(known.reduce((a, b) => a + b, 0)).toBe(5 * 7);
    expect(known[0]).toBe(1);
    expect(known[7]).toBe(0); // low-resolution column 7 lies in the padding
    expect(y[0]).toBeCloseTo(photo[0], 12);
    expect(y[1 * 8 + 6]).toBeCloseTo(photo[1 * 7 + 6], 12);
  });
});

describe("skipping tiles where the UNet is not needed", () => {
  const size = { channels: 1, height: 16, width: 24 };
  const x = createRng(4).normal(size.height * size.width);

  it("runs only the tiles that hold a needed pixel, and the fallback predicts the rest", async () => {
    const needed = new Uint8Array(16 * 24);
    needed[2 * 24 + 3] = 1; // one pixel, in the top-left tile of the unshifted grid
    let tilesRun = 0;
    const unet: EpsModel = async (tiles) => {
      tilesRun += tiles.length / (TILE * TILE);
      return tiles.map(() => 7);
    };
    const fallback: EpsModel = async (v) => v.map(() => -1);
    const out = await tiledEpsModel(unet, size, TILE, () => [0, 0], { skip: { needed, fallback } })(x, 10);
    expect(tilesRun).toBe(1);
    expect(out[2 * 24 + 3]).toBe(7);
    expect(out[7 * 24 + 7]).toBe(7); // the same tile
    expect(out[8 * 24 + 8]).toBe(-1); // no tile ran here
  });

  it("with nothing needed, runs no tile at all", async () => {
    const unet: EpsModel = async () => {
      throw new Error("the UNet ran");
    };
    const out = await tiledEpsModel(unet, size, TILE, () => [3, 5], {
      skip: { needed: new Uint8Array(16 * 24), fallback: async (v) => v.map(() => 2) },
    })(x, 10);
    expect(out.every((v) => v === 2)).toBe(true);
  });
});

describe("tiles per call", () => {
  it("count the shifted grid, or only the tiles that hold a needed pixel", () => {
    // A 451x300 photo on its canvas.
    expect(tileCount(320, 480, 32, { twoGridsFirst: true })).toEqual({ perCall: 11 * 16, firstCall: 10 * 15 + 11 * 16 - 4 });
    expect(tileCount(32, 32, 32)).toEqual({ perCall: 1, firstCall: 1 });
    const needed = new Uint8Array(64 * 96);
    // Rows 16 and 32 (pulled in from 48) of the grid shifted by 16, column 48; and the unshifted grid's tile at (32, 32).
    needed[40 * 96 + 50] = 1;
    expect(tileCount(64, 96, 32, { needed, twoGridsFirst: true })).toEqual({ perCall: 2, firstCall: 3 });
    expect(tileCount(64, 96, 32, { needed: new Uint8Array(64 * 96), twoGridsFirst: true })).toEqual({ perCall: 0, firstCall: 0 });
  });
});
