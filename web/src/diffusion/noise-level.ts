/**
 * How noisy is a photo? The TypeScript mirror of model/diffusion/noise_level.py.
 *
 * Donoho & Johnstone's robust estimate (1994): in the finest diagonal wavelet band almost everything
 * is noise, and the median absolute value of Gaussian noise of std sigma is 0.6745 sigma, so a few
 * edges barely move it. The band here is Haar's: (a - b - c + d) / 2 over each 2x2 block, which keeps
 * the noise's std unchanged. Blocks with a saturated pixel are left out: clipping at black or white
 * removes part of their noise. No training, no parameters.
 */

/** The median of |z| for z ~ N(0, 1). */
const MAD_TO_SIGMA = 1 / 0.6744897501960817;
/** Pixels at black or white in [-1, 1] units (within half a level of 255). */
const SATURATED = 1 - 1 / 255;

/** The std of i.i.d. pixel noise in a CHW image, in the image's own units. */
export function estimateNoiseSigma(image: ArrayLike<number>, channels: number, height: number, width: number): number {
  if (height < 2 || width < 2 || image.length !== channels * height * width) {
    throw new Error(`expected a ${channels}x${height}x${width} image of at least 2x2 pixels, got ${image.length} values`);
  }
  const all: number[] = [];
  const unsaturated: number[] = [];
  for (let c = 0; c < channels; c++) {
    for (let i = 0; i + 1 < height; i += 2) {
      for (let j = 0; j + 1 < width; j += 2) {
        const top = (c * height + i) * width + j;
        const [a, b, d0, d] = [image[top], image[top + 1], image[top + width], image[top + width + 1]];
        const diagonal = Math.abs((a - b - d0 + d) / 2);
        all.push(diagonal);
        if (Math.max(Math.abs(a), Math.abs(b), Math.abs(d0), Math.abs(d)) < SATURATED) unsaturated.push(diagonal);
      }
    }
  }
  const values = unsaturated.length > 0 ? unsaturated : all;
  values.sort((p, q) => p - q);
  // The lower middle value of an even count, as torch.median gives.
  return values[Math.floor((values.length - 1) / 2)] * MAD_TO_SIGMA;
}
