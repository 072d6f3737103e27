/**
 * Enlarging an image by a whole factor with a separable kernel, and shrinking it by block means: the
 * TypeScript mirror of model/diffusion/resample.py. Super-resolution starts from the photo enlarged
 * with Lanczos-3; colourisation enlarges the colours it chose on a coarse copy with the linear kernel.
 * Pixel centres are aligned, each output pixel's weights sum to 1, and edge pixels repeat outside.
 */

export type Kernel = "lanczos3" | "linear";

const RADIUS: Record<Kernel, number> = { lanczos3: 3, linear: 1 };

function kernelWeight(kernel: Kernel, distance: number): number {
  if (kernel === "linear") return Math.max(0, 1 - Math.abs(distance));
  if (distance === 0) return 1;
  if (Math.abs(distance) >= 3) return 0;
  const x = Math.PI * distance;
  return (3 * Math.sin(x) * Math.sin(x / 3)) / (x * x);
}

/** For each output pixel of one enlarged axis: the input pixels it reads and their weights. */
function axisTaps(length: number, factor: number, kernel: Kernel): { sources: number[]; weights: number[] }[] {
  const radius = RADIUS[kernel];
  return Array.from({ length: length * factor }, (_, out) => {
    const centre = (out + 0.5) / factor - 0.5;
    const first = Math.floor(centre) - radius + 1;
    const sources: number[] = [];
    const raw: number[] = [];
    for (let source = first; source < first + 2 * radius; source++) {
      sources.push(Math.min(Math.max(source, 0), length - 1));
      raw.push(kernelWeight(kernel, centre - source));
    }
    const total = raw.reduce((sum, w) => sum + w, 0);
    return { sources, weights: raw.map((w) => w / total) };
  });
}

/** Planes (height x width each) enlarged to (factor * height) x (factor * width), rows first, then columns. */
export function enlarge(planes: Float64Array, height: number, width: number, factor: number, kernel: Kernel = "lanczos3"): Float64Array {
  const [rowTaps, columnTaps] = [axisTaps(height, factor, kernel), axisTaps(width, factor, kernel)];
  const [outHeight, outWidth] = [height * factor, width * factor];
  const count = planes.length / (height * width);
  const out = new Float64Array(count * outHeight * outWidth);
  const tall = new Float64Array(outHeight * width);
  for (let p = 0; p < count; p++) {
    const plane = planes.subarray(p * height * width, (p + 1) * height * width);
    for (let i = 0; i < outHeight; i++) {
      const { sources, weights } = rowTaps[i];
      for (let j = 0; j < width; j++) {
        let sum = 0;
        for (let k = 0; k < sources.length; k++) sum += weights[k] * plane[sources[k] * width + j];
        tall[i * width + j] = sum;
      }
    }
    for (let i = 0; i < outHeight; i++) {
      for (let j = 0; j < outWidth; j++) {
        const { sources, weights } = columnTaps[j];
        let sum = 0;
        for (let k = 0; k < sources.length; k++) sum += weights[k] * tall[i * width + sources[k]];
        out[(p * outHeight + i) * outWidth + j] = sum;
      }
    }
  }
  return out;
}

/** Planes averaged over factor x factor blocks to ceil(height / factor) x ceil(width / factor); a partial block repeats the edge. */
export function shrink(planes: Float64Array, height: number, width: number, factor: number): Float64Array {
  const [outHeight, outWidth] = [Math.ceil(height / factor), Math.ceil(width / factor)];
  const count = planes.length / (height * width);
  const out = new Float64Array(count * outHeight * outWidth);
  for (let p = 0; p < count; p++) {
    for (let i = 0; i < outHeight; i++) {
      for (let j = 0; j < outWidth; j++) {
        let sum = 0;
        for (let di = 0; di < factor; di++) {
          const row = Math.min(i * factor + di, height - 1);
          for (let dj = 0; dj < factor; dj++) sum += planes[(p * height + row) * width + Math.min(j * factor + dj, width - 1)];
        }
        out[(p * outHeight + i) * outWidth + j] = sum / (factor * factor);
      }
    }
  }
  return out;
}
