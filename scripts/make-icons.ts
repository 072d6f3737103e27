/**
 * node scripts/make-icons.ts: draws the installed app's icons into web/public/icons/ (run once; the
 * PNGs are committed). The picture is what the app does: a 16x16 sample (the tiny model's "disc")
 * coming out of noise from left to right, enlarged with hard pixel edges, so the files stay small.
 */
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { crc32, deflateSync } from "node:zlib";
import { root } from "./lib/local-worker.ts";

const GRID = 16;
const SIZES = [192, 512];
const BACKGROUND = [29, 42, 74];
const DISC = [120, 160, 240];

/** mulberry32: a seeded generator, so that rerunning the script writes the same bytes. */
function random(seed: number): () => number {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), seed | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 2 ** 32;
  };
}

/** The 16x16 picture as RGB rows: a clean disc, with noise that fades out towards the right. */
function sample(): number[][][] {
  const noise = random(7);
  const centre = (GRID - 1) / 2;
  return Array.from({ length: GRID }, (_, y) =>
    Array.from({ length: GRID }, (_, x) => {
      const clean = Math.hypot(x - centre, y - centre) < GRID * 0.36 ? DISC : BACKGROUND;
      const strength = (1 - x / (GRID - 1)) ** 1.5;
      return clean.map((c) => Math.round(Math.min(255, Math.max(0, c + strength * (noise() - 0.5) * 300))));
    }),
  );
}

function chunk(type: string, data: Buffer): Buffer {
  const body = Buffer.concat([Buffer.from(type, "ascii"), data]);
  const length = Buffer.alloc(4);
  length.writeUInt32BE(data.length);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(body));
  return Buffer.concat([length, body, crc]);
}

/** An 8-bit RGB PNG of the picture enlarged to size x size (nearest neighbour). */
function png(picture: number[][][], size: number): Buffer {
  const header = Buffer.alloc(13);
  header.writeUInt32BE(size, 0);
  header.writeUInt32BE(size, 4);
  header.set([8, 2, 0, 0, 0], 8); // bit depth 8, colour type RGB, deflate, no filter choice, no interlace
  const rows = Array.from({ length: size }, (_, y) => {
    const row = picture[Math.floor((y * GRID) / size)]!;
    // Filter 0 (none) per row; an enlarged row repeats, which deflate stores as one back-reference.
    return Buffer.from([0, ...Array.from({ length: size }, (_, x) => row[Math.floor((x * GRID) / size)]!).flat()]);
  });
  const signature = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
  return Buffer.concat([
    signature,
    chunk("IHDR", header),
    chunk("IDAT", deflateSync(Buffer.concat(rows), { level: 9 })),
    chunk("IEND", Buffer.alloc(0)),
  ]);
}

const picture = sample();
for (const size of SIZES) {
  const file = join(root, `web/public/icons/icon-${size}.png`);
  const bytes = png(picture, size);
  writeFileSync(file, bytes);
  console.log(`wrote ${file} (${bytes.length} bytes)`);
}
