/**
 * A PNG's text chunks (tEXt): keyword and text pairs carried beside the pixels, where AUTOMATIC1111
 * and most image tools keep the settings that made an image. Layout per the PNG specification
 * (ISO/IEC 15948, 11.3.4.3): length, "tEXt", keyword, NUL, text, CRC-32; keyword and text are Latin-1.
 */

const SIGNATURE = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];
/** 1 to 79 printable Latin-1 characters, no leading, trailing or consecutive spaces. */
const KEYWORD_RULE = /^(?! )(?!.* $)(?!.* {2})[\x20-\x7e\xa1-\xff]{1,79}$/;
/** Latin-1 without NUL, which would end the text early for other readers. */
const isText = (text: string) => Array.from(text).every((c) => c.charCodeAt(0) >= 1 && c.charCodeAt(0) <= 0xff);

/** CRC-32 as PNG and zlib compute it (reflected polynomial 0xEDB88320). */
const CRC_TABLE = Uint32Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c;
});

export function crc32(bytes: Uint8Array): number {
  let c = 0xffffffff;
  for (const byte of bytes) c = CRC_TABLE[(c ^ byte) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

export function isPng(bytes: Uint8Array): boolean {
  return bytes.length >= SIGNATURE.length && SIGNATURE.every((b, i) => bytes[i] === b);
}

/** The text under `keyword` (the first such chunk: the spec allows several), or null when there is none. */
export function readText(png: Uint8Array, keyword: string): string | null {
  for (const chunk of chunksOf(png)) {
    if (chunk.type !== "tEXt") continue;
    const data = chunk.body.subarray(4);
    const nul = data.indexOf(0);
    if (nul < 0 || latin1(data.subarray(0, nul)) !== keyword) continue;
    if (crc32(chunk.body) !== chunk.crc) throw new Error(`its "${keyword}" text is damaged (its CRC-32 does not match)`);
    return latin1(data.subarray(nul + 1));
  }
  return null;
}

/** A copy of the PNG with `text` under `keyword`, in a tEXt chunk just before IEND (the chunk that ends every PNG). */
export function withText(png: Uint8Array, keyword: string, text: string): Uint8Array<ArrayBuffer> {
  if (!KEYWORD_RULE.test(keyword)) throw new RangeError(`"${keyword}" is not a tEXt keyword: 1 to 79 printable Latin-1 characters`);
  if (!isText(text)) throw new RangeError("tEXt holds Latin-1 text without NUL: escape other characters first");
  const iend = [...chunksOf(png)].find((chunk) => chunk.type === "IEND");
  if (!iend) throw new Error("the PNG has no IEND chunk to put the text before");
  const body = latin1Bytes(`tEXt${keyword}\0${text}`);
  const chunk = new Uint8Array(4 + body.length + 4);
  const view = new DataView(chunk.buffer);
  view.setUint32(0, body.length - 4); // the length counts the data only, not the type
  chunk.set(body, 4);
  view.setUint32(4 + body.length, crc32(body));
  const out = new Uint8Array(png.length + chunk.length);
  out.set(png.subarray(0, iend.at));
  out.set(chunk, iend.at);
  out.set(png.subarray(iend.at), iend.at + chunk.length);
  return out;
}

interface Chunk {
  type: string;
  /** Where the chunk starts (its length field). */
  at: number;
  /** Its type and data: what its CRC covers. */
  body: Uint8Array;
  crc: number;
}

/** The chunks up to IEND: bytes some tools append after it are not the image's. */
function* chunksOf(png: Uint8Array): Generator<Chunk> {
  if (!isPng(png)) throw new Error("not a PNG: its first bytes are not the PNG signature");
  const view = new DataView(png.buffer, png.byteOffset, png.byteLength);
  for (let at = SIGNATURE.length; at < png.length; ) {
    const end = at + 12 <= png.length ? at + 12 + view.getUint32(at) : Number.POSITIVE_INFINITY;
    if (end > png.length) throw new Error("the PNG is cut short: a chunk runs past its end");
    const body = png.subarray(at + 4, end - 4);
    const type = latin1(body.subarray(0, 4));
    yield { type, at, body, crc: view.getUint32(end - 4) };
    if (type === "IEND") return;
    at = end;
  }
}

/** Bytes as Latin-1, one character each (TextDecoder's "latin1" is windows-1252, which differs at 0x80-0x9F). */
const latin1 = (bytes: Uint8Array) => Array.from(bytes, (b) => String.fromCharCode(b)).join("");
const latin1Bytes = (text: string) => Uint8Array.from(text, (c) => c.charCodeAt(0));
