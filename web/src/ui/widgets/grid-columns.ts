/**
 * How many columns a grid of `count` images gets, at most `max`: the widest that divides the count
 * (16 gives 8x2 or 4x4, never 9 + 7), no narrower than a square (9 gives 3x3) or than half of `max`.
 * A count with no such divisor (a prime such as 11) gets the width that leaves the fewest gaps.
 */
export function gridColumns(count: number, max: number): number {
  if (count <= max) return Math.max(1, count);
  const narrowest = Math.min(Math.ceil(Math.sqrt(count)), Math.ceil(max / 2));
  const gaps = (columns: number) => (columns - (count % columns)) % columns;
  let best = max;
  // Widest first: among equally good widths the widest (fewest rows) wins.
  for (let columns = max - 1; columns >= narrowest; columns--) if (gaps(columns) < gaps(best)) best = columns;
  return best;
}
