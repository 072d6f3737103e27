/** Image sizes from file headers, on the photo fixtures (test/fixtures/photos/make.py) and on hand-made headers. */
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { readImageHeader } from "../../../web/src/image-header.ts";

const fixture = (name: string) => new Uint8Array(readFileSync(new URL(`../../fixtures/photos/${name}`, import.meta.url)));

describe("readImageHeader", () => {
  it.each([
    ["photo.png", { format: "png", width: 451, height: 300, animated: false }],
    ["alpha.png", { format: "png", width: 96, height: 64, animated: false }],
    ["gray.jpg", { format: "jpeg", width: 120, height: 80, animated: false }],
    ["cmyk.jpg", { format: "jpeg", width: 120, height: 80, animated: false }],
    ["animated.gif", { format: "gif", width: 64, height: 48, animated: true }],
  ])("reads %s", (name, header) => {
    expect(readImageHeader(fixture(name))).toEqual(header);
  });

  it("reads a still GIF as still", () => {
    // Header, logical screen 3x2 without a colour table, one image descriptor, one data sub-block, trailer.
    const gif = Uint8Array.from([
      ...Buffer.from("GIF89a"),
      3,
      0,
      2,
      0,
      0,
      0,
      0,
      0x2c,
      0,
      0,
      0,
      0,
      3,
      0,
      2,
      0,
      0,
      2,
      2,
      0x4c,
      0x01,
      0,
      0x3b,
    ]);
    expect(readImageHeader(gif)).toEqual({ format: "gif", width: 3, height: 2, animated: false });
  });

  it("reads WebP's three layouts", () => {
    const riff = (chunk: string, body: number[]) =>
      Uint8Array.from([...Buffer.from("RIFF"), 0, 0, 0, 0, ...Buffer.from("WEBP"), ...Buffer.from(chunk), 0, 0, 0, 0, ...body]);
    // VP8X: flags (animation bit 0x02), 3 reserved bytes, width-1 and height-1 in 24 bits.
    expect(readImageHeader(riff("VP8X", [0x02, 0, 0, 0, 0xe7, 0x03, 0, 0x0f, 0x27, 0]))).toEqual({
      format: "webp",
      width: 1000,
      height: 10000,
      animated: true,
    });
    // VP8: frame tag (3), start code (3), then 14-bit width and height.
    expect(readImageHeader(riff("VP8 ", [0, 0, 0, 0x9d, 0x01, 0x2a, 0xc3, 0x01, 0x2c, 0x01]))).toEqual({
      format: "webp",
      width: 451,
      height: 300,
      animated: false,
    });
    // VP8L: signature 0x2f, then width-1 (14 bits) and height-1 (14 bits), little-endian.
    const bits = 450 | (299 << 14);
    expect(readImageHeader(riff("VP8L", [0x2f, bits & 255, (bits >> 8) & 255, (bits >> 16) & 255, (bits >> 24) & 255]))).toEqual({
      format: "webp",
      width: 451,
      height: 300,
      animated: false,
    });
  });

  it("gives null for what it does not know or a truncated header, so the page measures by decoding", () => {
    expect(readImageHeader(new Uint8Array(0))).toBeNull();
    expect(readImageHeader(Buffer.from("not a picture"))).toBeNull();
    expect(readImageHeader(fixture("photo.png").subarray(0, 12))).toBeNull();
    expect(readImageHeader(fixture("gray.jpg").subarray(0, 40))).toBeNull();
  });
});
