/** Image grids that divide their count evenly: 16 images as 8x2 or 4x4, never 9 + 7. */
import { describe, expect, it } from "vitest";
import { gridColumns } from "../../../web/src/ui/widgets/grid-columns.ts";

describe("gridColumns", () => {
  it("lays 16 images out as 8x2 on a wide screen and 4x4 on a phone", () => {
    expect(gridColumns(16, 8)).toBe(8);
    expect(gridColumns(16, 4)).toBe(4);
  });

  it("takes the widest width that divides the count, no narrower than a square", () => {
    expect(gridColumns(12, 8)).toBe(6);
    expect(gridColumns(9, 8)).toBe(3);
    expect(gridColumns(25, 8)).toBe(5);
    expect(gridColumns(64, 8)).toBe(8);
    expect(gridColumns(6, 4)).toBe(3);
  });

  it("puts a few images in one row", () => {
    expect(gridColumns(1, 8)).toBe(1);
    expect(gridColumns(7, 8)).toBe(7);
  });

  it("leaves the fewest gaps when nothing divides the count", () => {
    expect(gridColumns(11, 8)).toBe(6); // 6 + 5
    expect(gridColumns(22, 8)).toBe(8); // 8 + 8 + 6
    expect(gridColumns(11, 4)).toBe(4); // 4 + 4 + 3
  });

  it("never gives more columns than asked, nor fewer than one", () => {
    for (let count = 1; count <= 64; count++) {
      for (const max of [4, 8]) {
        const columns = gridColumns(count, max);
        expect(columns).toBeGreaterThanOrEqual(1);
        expect(columns).toBeLessThanOrEqual(max);
      }
    }
  });
});
