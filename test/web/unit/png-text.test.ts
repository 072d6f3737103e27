/** PNG text chunks against zlib's CRC-32 and the photo fixtures (test/fixtures/photos/make.py). */
import { readFileSync } from "node:fs";
import { crc32 as zlibCrc32 } from "node:zlib";
import { describe, expect, it } from "vitest";
import { crc32, isPng, readText, withText } from "../../../web/src/png-text.ts";

const fixture = (name: string) => new Uint8Array(readFileSync(new URL(`../../fixtures/photos/${name}`, import.meta.url)));
const png = fixture("alpha.png");
const ascii = (s: string) => Uint8Array.from(Buffer.from(s, "latin1"));

describe("crc32", () => {
  it("gives the standard check value and IEND's well-known CRC", () => {
    expect(crc32(ascii("123456789"))).toBe(0xcbf43926);
    expect(crc32(ascii("IEND"))).toBe(0xae426082);
  });

  it("agrees with zlib on every byte value", () => {
    const bytes = Uint8Array.from({ length: 4096 }, (_, i) => (i * 7919) % 256);
    expect(crc32(bytes)).toBe(zlibCrc32(bytes));
  });
});

describe("withText and readText", () => {
  const text = '{"seed":5}\nLatin-1: café';
  const written = withText(png, "parameters", text);

  it("read back the text, and keep every byte of the PNG around the new chunk", () => {
    expect(readText(written, "parameters")).toBe(text);
    const added = written.length - png.length;
    expect(added).toBe(12 + "parameters".length + 1 + text.length);
    // The chunk goes just before IEND, the last 12 bytes of both.
    expect(written.subarray(0, png.length - 12)).toEqual(png.subarray(0, png.length - 12));
    expect(written.subarray(-12)).toEqual(png.subarray(-12));
  });

  it("write the chunk as the spec lays it out: length, type, keyword, NUL, Latin-1 text, zlib's CRC-32", () => {
    const chunk = Buffer.from(written.subarray(png.length - 12, written.length - 12));
    const data = Buffer.concat([Buffer.from("parameters\0"), Buffer.from(text, "latin1")]);
    expect(chunk.readUInt32BE(0)).toBe(data.length);
    expect(chunk.subarray(4, 8).toString("latin1")).toBe("tEXt");
    expect(chunk.subarray(8, 8 + data.length)).toEqual(data);
    expect(chunk.readUInt32BE(8 + data.length)).toBe(zlibCrc32(Buffer.concat([Buffer.from("tEXt"), data])));
  });

  it("find nothing under another keyword, nor in a PNG without text", () => {
    expect(readText(written, "Comment")).toBeNull();
    expect(readText(png, "parameters")).toBeNull();
  });

  it("read the first of two chunks with the same keyword", () => {
    expect(readText(withText(written, "parameters", "second"), "parameters")).toBe(text);
  });

  it("refuse a damaged chunk, and a PNG cut short", () => {
    const damaged = written.slice();
    damaged[png.length - 12 + 8 + "parameters".length + 2] ^= 1; // a byte of the text
    expect(() => readText(damaged, "parameters")).toThrow('its "parameters" text is damaged (its CRC-32 does not match)');
    expect(() => readText(written.subarray(0, written.length - 20), "parameters")).toThrow("the PNG is cut short");
  });

  it("read only up to IEND: bytes some tools append after it are not the image's", () => {
    const trailed = new Uint8Array([...written, ...ascii("trailing bytes, not a chunk")]);
    expect(readText(trailed, "parameters")).toBe(text);
    expect(readText(new Uint8Array([...png, 0, 0, 0]), "parameters")).toBeNull();
  });

  it("refuse what is not a PNG", () => {
    const jpeg = fixture("gray.jpg");
    expect(isPng(jpeg)).toBe(false);
    expect(isPng(png)).toBe(true);
    expect(isPng(ascii("\x89PN"))).toBe(false);
    expect(() => readText(jpeg, "parameters")).toThrow("not a PNG");
    expect(() => withText(ascii("GIF89a"), "parameters", "x")).toThrow("not a PNG");
  });

  it("refuse keywords and text that tEXt cannot hold", () => {
    for (const keyword of ["", " parameters", "parameters ", "two  spaces", "k".repeat(80), "naïve\u0100"]) {
      expect(() => withText(png, keyword, "x"), keyword).toThrow(RangeError);
    }
    expect(withText(png, "k".repeat(79), "x").length).toBeGreaterThan(png.length);
    expect(() => withText(png, "parameters", "a\0b")).toThrow(RangeError);
    expect(() => withText(png, "parameters", "€")).toThrow(RangeError);
  });
});
