/** Where a restoration is unsure, as colour: each pixel's spread across the candidates on a heat ramp. */

/** Inferno's ramp in five stops (dark: the candidates agree; bright: they differ), readable in colour and in gray. */
const STOPS: [number, number, number][] = [
  [0, 0, 4],
  [87, 16, 110],
  [188, 55, 84],
  [249, 142, 9],
  [252, 255, 164],
];

/** The ramp's colour at t in [0, 1]. */
export function heatColour(t: number): [number, number, number] {
  const x = Math.min(1, Math.max(0, t)) * (STOPS.length - 1);
  const k = Math.min(STOPS.length - 2, Math.floor(x));
  const f = x - k;
  return STOPS[k].map((v, c) => Math.round(v + f * (STOPS[k + 1][c] - v))) as [number, number, number];
}

/** The spread shown brightest: the 99th percentile, so a few wild pixels do not wash out the rest (at least one level, 1/127.5). */
export function spreadCeiling(spread: ArrayLike<number>): number {
  const sorted = Float32Array.from(spread).sort();
  return Math.max(1 / 127.5, sorted[Math.floor(0.99 * (sorted.length - 1))] ?? 0);
}

/** RGBA pixels of the spread, `ceiling` and above at the top of the ramp. */
export function heatPixels(spread: ArrayLike<number>, ceiling: number): Uint8ClampedArray<ArrayBuffer> {
  const rgba = new Uint8ClampedArray(spread.length * 4);
  for (let p = 0; p < spread.length; p++) {
    rgba.set(heatColour(spread[p] / ceiling), p * 4);
    rgba[p * 4 + 3] = 255;
  }
  return rgba;
}

/** The ramp as a CSS gradient, for the legend. */
export const heatGradient = `linear-gradient(to right, ${STOPS.map(([r, g, b]) => `rgb(${r} ${g} ${b})`).join(", ")})`;
