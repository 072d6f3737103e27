/**
 * A smooth first guess for lost pixels: the TypeScript mirror of model/diffusion/fill.py.
 *
 * Pull-push (Gortler et al. 1996) spreads the known pixels over the holes through an image pyramid,
 * then Jacobi sweeps of the 4-neighbour average (a few steps towards the harmonic fill of Laplace's
 * equation) smooth away its blocks. Inpainting starts its diffusion from this guess, partly noised.
 */

/** Sweeps after pull-push: on thin scratches, 30 reach within 0.15 dB of 300. */
export const SMOOTHING_SWEEPS = 30;

/** Planes (height x width each, one after another) with their lost pixels (known 0) from ever coarser averages of the known. */
export function pullPush(planes: Float64Array, known: Uint8Array, height: number, width: number): Float64Array {
  if (height * width === 1 || known.every((k) => k === 1)) return planes;
  const count = planes.length / (height * width);
  const [coarseHeight, coarseWidth] = [Math.ceil(height / 2), Math.ceil(width / 2)];
  const sums = new Float64Array(count * coarseHeight * coarseWidth);
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
        sums[(p * coarseHeight + ci) * coarseWidth + cj] = w > 0 ? sum / w : 0;
      }
    }
  }
  const coarseKnown = weights.map((w) => (w > 0 ? 1 : 0));
  const coarse = pullPush(sums, Uint8Array.from(coarseKnown), coarseHeight, coarseWidth);
  const out = Float64Array.from(planes);
  for (let p = 0; p < count; p++) {
    for (let i = 0; i < height; i++) {
      for (let j = 0; j < width; j++) {
        if (!known[i * width + j]) out[(p * height + i) * width + j] = coarse[(p * coarseHeight + (i >> 1)) * coarseWidth + (j >> 1)];
      }
    }
  }
  return out;
}

/** Planes with their lost pixels (known 0) filled smoothly from the known ones. */
export function fillLost(planes: Float64Array, known: Uint8Array, height: number, width: number, sweeps = SMOOTHING_SWEEPS): Float64Array {
  let out = pullPush(planes, known, height, width);
  const count = planes.length / (height * width);
  for (let s = 0; s < sweeps; s++) {
    const next = Float64Array.from(out);
    for (let p = 0; p < count; p++) {
      const plane = p * height * width;
      // Neighbours outside the image repeat the edge pixel, as torch's replicate padding does.
      const v = (i: number, j: number) => out[plane + Math.min(height - 1, Math.max(0, i)) * width + Math.min(width - 1, Math.max(0, j))];
      for (let i = 0; i < height; i++) {
        for (let j = 0; j < width; j++) {
          if (!known[i * width + j]) next[plane + i * width + j] = (v(i - 1, j) + v(i + 1, j) + v(i, j - 1) + v(i, j + 1)) / 4;
        }
      }
    }
    out = next;
  }
  return out;
}
