/**
 * A seeded random source, so the same seed gives the same images on every device and backend.
 * xoshiro128** (Blackman & Vigna 2018) seeded through splitmix32; normals by Box-Muller in float64.
 */
export interface Rng {
  /** Uniform in [0, 1). */
  uniform(): number;
  /** `n` standard normal draws. */
  normal(n: number): Float64Array;
}

function splitmix32(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x9e3779b9) >>> 0;
    let z = state;
    z = Math.imul(z ^ (z >>> 16), 0x85ebca6b) >>> 0;
    z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35) >>> 0;
    return (z ^ (z >>> 16)) >>> 0;
  };
}

export function createRng(seed: number): Rng {
  if (!Number.isSafeInteger(seed) || seed < 0) throw new Error(`seed must be a non-negative integer, got ${seed}`);
  // Both halves of the seed count, so seeds above 2^32 do not collide with small ones.
  const mix = splitmix32((seed % 0x100000000) ^ (Math.floor(seed / 0x100000000) * 0x27d4eb2d));
  const s = new Uint32Array([mix(), mix(), mix(), mix()]);
  if ((s[0] | s[1] | s[2] | s[3]) === 0) s[0] = 1; // xoshiro's one forbidden state

  function next(): number {
    const result = Math.imul(rotl(Math.imul(s[1], 5), 7), 9) >>> 0;
    const t = s[1] << 9;
    s[2] ^= s[0];
    s[3] ^= s[1];
    s[1] ^= s[2];
    s[0] ^= s[3];
    s[2] ^= t;
    s[3] = rotl(s[3], 11);
    return result;
  }

  // 53 random bits, as Math.random would give.
  const uniform = () => ((next() >>> 5) * 67108864 + (next() >>> 6)) / 9007199254740992;

  function normal(n: number): Float64Array {
    const out = new Float64Array(n);
    for (let i = 0; i < n; i += 2) {
      const radius = Math.sqrt(-2 * Math.log(1 - uniform())); // 1 - u is in (0, 1]: log is finite
      const angle = 2 * Math.PI * uniform();
      out[i] = radius * Math.cos(angle);
      if (i + 1 < n) out[i + 1] = radius * Math.sin(angle);
    }
    return out;
  }

  return { uniform, normal };
}

function rotl(x: number, k: number): number {
  return ((x << k) | (x >>> (32 - k))) >>> 0;
}
