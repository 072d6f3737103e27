/**
 * An image file's size (and whether it moves) from its first bytes, before decoding: a photo of
 * 10000x10000 pixels is then decoded straight to a smaller size instead of into 400 MB first.
 * PNG, JPEG, GIF and WebP; anything else gives null and is measured by decoding it.
 */

export interface ImageHeader {
  format: "png" | "jpeg" | "gif" | "webp";
  width: number;
  height: number;
  /** More than one frame (animated GIF, APNG, animated WebP): only the first is restored. */
  animated: boolean;
}

export function readImageHeader(bytes: Uint8Array): ImageHeader | null {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const ascii = (at: number, length: number) => String.fromCharCode(...bytes.subarray(at, at + length));
  try {
    if (ascii(1, 3) === "PNG") return png(view, ascii);
    if (bytes[0] === 0xff && bytes[1] === 0xd8) return jpeg(view);
    if (ascii(0, 4) === "GIF8") return gif(bytes, view);
    if (ascii(0, 4) === "RIFF" && ascii(8, 4) === "WEBP") return webp(view, ascii);
  } catch (error) {
    if (!(error instanceof RangeError)) throw error; // a truncated header: measure by decoding
  }
  return null;
}

/** IHDR holds the size; an acTL chunk before the first IDAT makes it an APNG. */
function png(view: DataView, ascii: (at: number, length: number) => string): ImageHeader {
  const width = view.getUint32(16);
  const height = view.getUint32(20);
  let animated = false;
  for (let at = 8; at + 8 <= view.byteLength; ) {
    const type = ascii(at + 4, 4);
    if (type === "acTL") animated = true;
    if (type === "IDAT") break;
    at += 12 + view.getUint32(at);
  }
  return { format: "png", width, height, animated };
}

/** The first start-of-frame marker (SOF0..SOF15 but DHT, JPG and DAC) holds the size. */
function jpeg(view: DataView): ImageHeader | null {
  for (let at = 2; at + 9 <= view.byteLength; ) {
    if (view.getUint8(at) !== 0xff) return null;
    const marker = view.getUint8(at + 1);
    if (marker === 0xff) {
      at++; // fill byte
      continue;
    }
    if (marker >= 0xc0 && marker <= 0xcf && marker !== 0xc4 && marker !== 0xc8 && marker !== 0xcc) {
      return { format: "jpeg", height: view.getUint16(at + 5), width: view.getUint16(at + 7), animated: false };
    }
    at += 2 + view.getUint16(at + 2);
  }
  return null;
}

/** The logical screen holds the size; a second image descriptor makes it animated. */
function gif(bytes: Uint8Array, view: DataView): ImageHeader {
  const width = view.getUint16(6, true);
  const height = view.getUint16(8, true);
  const flags = bytes[10];
  let at = 13 + (flags & 0x80 ? 3 * 2 ** ((flags & 7) + 1) : 0);
  let frames = 0;
  const skipSubBlocks = () => {
    while (at < bytes.length && bytes[at] !== 0) at += bytes[at] + 1;
    at++;
  };
  while (at < bytes.length && frames < 2) {
    const block = bytes[at];
    if (block === 0x2c) {
      frames++;
      const local = bytes[at + 9];
      at += 10 + (local & 0x80 ? 3 * 2 ** ((local & 7) + 1) : 0) + 1; // descriptor, colour table, LZW code size
      skipSubBlocks();
    } else if (block === 0x21) {
      at += 2;
      skipSubBlocks();
    } else break; // trailer (0x3b) or something unknown
  }
  return { format: "gif", width, height, animated: frames > 1 };
}

/** VP8X carries the canvas size and an animation flag; plain VP8 and VP8L carry the frame size. */
function webp(view: DataView, ascii: (at: number, length: number) => string): ImageHeader | null {
  const chunk = ascii(12, 4);
  const uint24 = (at: number) => view.getUint8(at) | (view.getUint8(at + 1) << 8) | (view.getUint8(at + 2) << 16);
  if (chunk === "VP8X") {
    return { format: "webp", width: uint24(24) + 1, height: uint24(27) + 1, animated: (view.getUint8(20) & 0x02) !== 0 };
  }
  if (chunk === "VP8 ") {
    return { format: "webp", width: view.getUint16(26, true) & 0x3fff, height: view.getUint16(28, true) & 0x3fff, animated: false };
  }
  if (chunk === "VP8L") {
    const bits = view.getUint32(21, true);
    return { format: "webp", width: (bits & 0x3fff) + 1, height: ((bits >> 14) & 0x3fff) + 1, animated: false };
  }
  return null;
}
