/** Masks of what is lost: brush strokes, uploaded masks, presets and undo. */
import { describe, expect, it } from "vitest";
import { fullMask, hasLoss, holeMask, maskFromRgba, paintStroke, scratchMask, UndoHistory } from "../../../web/src/mask.ts";

const lost = (mask: Uint8Array, width: number) => [...mask.keys()].filter((p) => !mask[p]).map((p) => [Math.floor(p / width), p % width]);

describe("mask", () => {
  it("paints a stroke without gaps, of the brush's width, inside the image", () => {
    const mask = fullMask(10 * 20);
    paintStroke(mask, 20, 10, { x: 2.5, y: 5.5 }, { x: 17.5, y: 5.5 }, 0.5, 0);
    expect(lost(mask, 20)).toEqual(Array.from({ length: 16 }, (_, k) => [5, k + 2]));
    // A wide brush at the corner stays inside the image.
    paintStroke(mask, 20, 10, { x: 0, y: 0 }, { x: 0, y: 0 }, 3, 0);
    expect(mask[0]).toBe(0);
    expect(mask[2 * 20 + 1]).toBe(0);
    expect(mask[8 * 20 + 8]).toBe(1);
    // The eraser puts pixels back.
    paintStroke(mask, 20, 10, { x: 0, y: 5.5 }, { x: 20, y: 5.5 }, 0.5, 1);
    paintStroke(mask, 20, 10, { x: 0, y: 0 }, { x: 0, y: 0 }, 3, 1);
    expect(hasLoss(mask)).toBe(false);
  });

  it("paints a diagonal stroke as one connected line", () => {
    const mask = fullMask(30 * 30);
    paintStroke(mask, 30, 30, { x: 1, y: 1 }, { x: 29, y: 29 }, 0.5, 0);
    for (let i = 1; i < 29; i++) expect(mask[i * 30 + i]).toBe(0);
  });

  it("reads an uploaded mask: white and opaque is lost, black or transparent is kept", () => {
    const rgba = Uint8ClampedArray.from([255, 255, 255, 255, 0, 0, 0, 255, 255, 255, 255, 0, 200, 200, 200, 200]);
    expect(Array.from(maskFromRgba(rgba, 4))).toEqual([0, 1, 1, 0]);
  });

  it("makes the demo's presets for any size", () => {
    expect(lost(holeMask(16, 16), 16)).toHaveLength(64);
    expect(lost(holeMask(8, 12), 12)).toEqual([2, 3, 4, 5].flatMap((i) => [3, 4, 5, 6, 7, 8].map((j) => [i, j])));
    expect(hasLoss(scratchMask(16, 16))).toBe(true);
  });

  it("undoes changes newest first, and forgets the oldest past its limit", () => {
    const history = new UndoHistory<number>(2);
    expect(history.canUndo).toBe(false);
    history.push(1);
    history.push(2);
    history.push(3);
    expect(history.undo()).toBe(3);
    expect(history.undo()).toBe(2);
    expect(history.canUndo).toBe(false);
    expect(history.undo()).toBeUndefined();
  });
});
