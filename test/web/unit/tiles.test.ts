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
    expect(tileCount(32, 16, TILE)).toBe(5 * 3);
    expect(tileCount(256, 256, 32)).toBe(81);
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
      const out = await tiledEpsModel(pointwise, size, TILE, () => offsets)(x, 10);
      expect(Math.max(...out.map((v, i) => Math.abs(v - expected[i])))).toBeLessThan(1e-12);
    }
  });

  it("runs every tile of every image as one batch, and averages where tiles overlap", async () => {
    let batch = 0;
    // Each tile predicts its own index, so a pixel's output is the mean index of the tiles over it.
    const tileIndex: EpsModel = async (tiles) => {
      const length = size.channels * TILE * TILE;
      batch = tiles.length / length;
      return tiles.map((_, i) => Math.floor(i / length));
    };
    const out = await tiledEpsModel(tileIndex, size, TILE, () => [0, 4])(x, 10);
    const columns = tilePositions(24, TILE, 4); // [0, 4, 12, 16]
    expect(batch).toBe(2 * 2 * columns.length);
    expect(out[0]).toBe(0); // covered by tile 0 only
    expect(out[5]).toBe(0.5); // row 0, column 5: tiles 0 and 1 overlap
    expect(out[size.height * size.width * size.channels + 0]).toBe(8); // the second image's first tile
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
    const out = await tiledEpsModel(unet, size, TILE, () => [0, 0], { needed, fallback })(x, 10);
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
      needed: new Uint8Array(16 * 24),
      fallback: async (v) => v.map(() => 2),
    })(x, 10);
    expect(out.every((v) => v === 2)).toBe(true);
  });
});

describe("tiles per call", () => {
  it("count the shifted grid, or only the tiles that hold a needed pixel", () => {
    expect(tileCount(320, 480, 32)).toBe(11 * 16); // a 451x300 photo on its canvas
    expect(tileCount(32, 32, 32)).toBe(1);
    const needed = new Uint8Array(64 * 96);
    needed[40 * 96 + 50] = 1; // rows 16 and 32 (pulled in from 48) of the grid shifted by 16, column 48
    expect(tileCount(64, 96, 32, needed)).toBe(2);
    expect(tileCount(64, 96, 32, new Uint8Array(64 * 96))).toBe(0);
  });
});
