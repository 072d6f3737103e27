/**
 * A first guess for lost pixels that carries the photo's slopes across a hole: the TypeScript mirror
 * of model/diffusion/fill.py.
 *
 * The biharmonic fill (the surface with the least squared Laplacian over the lost pixels, so
 * gradients continue into a hole) solved coarse to fine: pull-push's pyramid (Gortler et al. 1996)
 * starts each level from the filled level below it, and a few conjugate-gradient iterations finish it.
 * Inpainting starts its diffusion from this guess, partly noised.
 */

/** Each level's conjugate gradients stop when the squared residual has fallen by CG_TOLERANCE, or after CG_ITERATIONS (fill.py). */
export const CG_ITERATIONS = 300;
export const CG_TOLERANCE = 1e-6;

/** When each level's solve stops: `iterations` 0 is plain pull-push. */
export interface Solve {
  iterations: number;
  tolerance: number;
}

/** A window of planes: rows top..bottom-1, columns left..right-1. */
interface Window {
  top: number;
  bottom: number;
  left: number;
  right: number;
}

/** The lost pixels' bounding box grown by 2: all the squared Laplacian of a lost pixel reads (null: none lost). */
function lostWindow(known: Uint8Array, height: number, width: number): Window | null {
  let [top, bottom, left, right] = [height, 0, width, 0];
  for (let i = 0; i < height; i++) {
    for (let j = 0; j < width; j++) {
      if (known[i * width + j]) continue;
      [top, bottom, left, right] = [Math.min(top, i), Math.max(bottom, i + 1), Math.min(left, j), Math.max(right, j + 1)];
    }
  }
  if (top >= bottom) return null;
  return {
    top: Math.max(0, top - 2),
    bottom: Math.min(height, bottom + 2),
    left: Math.max(0, left - 2),
    right: Math.min(width, right + 2),
  };
}

/** The 4-neighbour Laplacian of every plane, the edge repeated outside (torch's replicate padding). */
function laplacian(planes: Float64Array, height: number, width: number): Float64Array {
  const out = new Float64Array(planes.length);
  for (let plane = 0; plane < planes.length; plane += height * width) {
    for (let i = 0; i < height; i++) {
      const row = plane + i * width;
      const [up, down] = [plane + Math.max(i - 1, 0) * width, plane + Math.min(i + 1, height - 1) * width];
      for (let j = 0; j < width; j++) {
        const [left, right] = [Math.max(j - 1, 0), Math.min(j + 1, width - 1)];
        out[row + j] = planes[up + j] + planes[down + j] + (planes[row + left] + planes[row + right]) - 4 * planes[row + j];
      }
    }
  }
  return out;
}

const dot = (a: Float64Array, b: Float64Array) => a.reduce((sum, v, k) => sum + v * b[k], 0);

/** Conjugate gradients on the squared Laplacian over the lost pixels of planes (all planes as one system). */
function conjugateGradients(planes: Float64Array, known: Uint8Array, height: number, width: number, solve: Solve): Float64Array {
  const plane = height * width;
  const operator = (v: Float64Array) =>
    laplacian(laplacian(v, height, width), height, width).map((value, k) => (known[k % plane] ? 0 : value));
  const x = Float64Array.from(planes);
  const residual = operator(x).map((v) => -v);
  const direction = Float64Array.from(residual);
  let size = dot(residual, residual);
  const enough = solve.tolerance * size;
  for (let n = 0; n < solve.iterations && size > enough && size > 1e-30; n++) {
    const step = operator(direction);
    const alpha = size / dot(direction, step);
    for (let k = 0; k < x.length; k++) {
      x[k] += alpha * direction[k];
      residual[k] -= alpha * step[k];
    }
    const newSize = dot(residual, residual);
    for (let k = 0; k < x.length; k++) direction[k] = residual[k] + (newSize / size) * direction[k];
    size = newSize;
  }
  return x;
}

/** The window of every plane, as planes of its own size. */
function cut(planes: Float64Array, height: number, width: number, w: Window): Float64Array {
  const [rows, columns] = [w.bottom - w.top, w.right - w.left];
  const count = planes.length / (height * width);
  const out = new Float64Array(count * rows * columns);
  for (let p = 0; p < count; p++) {
    for (let i = 0; i < rows; i++) {
      const start = (p * height + w.top + i) * width + w.left;
      out.set(planes.subarray(start, start + columns), (p * rows + i) * columns);
    }
  }
  return out;
}

/**
 * Planes with their lost pixels moved towards the biharmonic fill. The solve runs on the lost pixels'
 * window alone: a lost pixel's squared Laplacian reads 2 pixels around it, and the window's edge repeats
 * only where the image's would (as fill.py's solve over the whole image, in a fraction of the time).
 */
function smoothest(planes: Float64Array, known: Uint8Array, height: number, width: number, solve: Solve): Float64Array {
  const window = lostWindow(known, height, width);
  if (!window) return planes;
  const [rows, columns] = [window.bottom - window.top, window.right - window.left];
  const knownInside = Uint8Array.from(cut(Float64Array.from(known), height, width, window));
  const solved = conjugateGradients(cut(planes, height, width, window), knownInside, rows, columns, solve);
  const out = Float64Array.from(planes);
  for (let p = 0; p < planes.length / (height * width); p++) {
    for (let i = 0; i < rows; i++)
      out.set(solved.subarray((p * rows + i) * columns, (p * rows + i + 1) * columns), (p * height + window.top + i) * width + window.left);
  }
  return out;
}

/** The mean of the known pixels in each 2x2 block of every plane, and which blocks hold any (odd sides padded). */
function blockAverage(planes: Float64Array, known: Uint8Array, height: number, width: number) {
  const count = planes.length / (height * width);
  const [coarseHeight, coarseWidth] = [Math.ceil(height / 2), Math.ceil(width / 2)];
  const averages = new Float64Array(count * coarseHeight * coarseWidth);
  const weights = new Float64Array(coarseHeight * coarseWidth);
  const at = (i: number, j: number) => (i < height && j < width && known[i * width + j] ? 1 : 0);
  for (let ci = 0; ci < coarseHeight; ci++) {
    for (let cj = 0; cj < coarseWidth; cj++) {
      const [i, j] = [2 * ci, 2 * cj];
      weights[ci * coarseWidth + cj] = at(i, j) + at(i, j + 1) + (at(i + 1, j) + at(i + 1, j + 1));
    }
  }
  for (let p = 0; p < count; p++) {
    const plane = p * height * width;
    const value = (i: number, j: number) => (at(i, j) ? planes[plane + i * width + j] : 0);
    for (let ci = 0; ci < coarseHeight; ci++) {
      for (let cj = 0; cj < coarseWidth; cj++) {
        const [i, j] = [2 * ci, 2 * cj];
        const w = weights[ci * coarseWidth + cj];
        const sum = value(i, j) + value(i, j + 1) + (value(i + 1, j) + value(i + 1, j + 1));
        averages[(p * coarseHeight + ci) * coarseWidth + cj] = w > 0 ? sum / w : 0;
      }
    }
  }
  return { averages, coarseKnown: Uint8Array.from(weights, (w) => (w > 0 ? 1 : 0)), coarseHeight, coarseWidth };
}

/**
 * Planes (height x width each, one after another) with their lost pixels (known 0) filled from the
 * known ones.
 */
export function fillLost(
  planes: Float64Array,
  known: Uint8Array,
  height: number,
  width: number,
  solve: Solve = { iterations: CG_ITERATIONS, tolerance: CG_TOLERANCE },
): Float64Array {
  if (height * width === 1 || known.every((k) => k === 1)) return planes;
  const { averages, coarseKnown, coarseHeight, coarseWidth } = blockAverage(planes, known, height, width);
  const coarse = fillLost(averages, coarseKnown, coarseHeight, coarseWidth, solve);
  const start = Float64Array.from(planes);
  for (let p = 0; p < planes.length / (height * width); p++) {
    for (let i = 0; i < height; i++) {
      for (let j = 0; j < width; j++) {
        if (!known[i * width + j]) start[(p * height + i) * width + j] = coarse[(p * coarseHeight + (i >> 1)) * coarseWidth + (j >> 1)];
      }
    }
  }
  return smoothest(start, known, height, width, solve);
}
