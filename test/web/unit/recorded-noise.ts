/** Replays the noise draws recorded by model/golden.py and model/restore_golden.py. */

/** Hands out the recorded draws in order, and checks that the sampler asks for each one exactly. */
export function recordedNoise(draws: number[][]) {
  let used = 0;
  const source = (n: number) => {
    const draw = draws[used++];
    if (!draw || draw.length !== n) throw new Error(`noise draw ${used - 1}: asked for ${n} values, recorded ${draw?.length}`);
    return Float64Array.from(draw);
  };
  return { source, used: () => used };
}
