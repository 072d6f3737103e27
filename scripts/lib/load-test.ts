// A closed-loop load generator for the benchmarks: N clients, each sending its next request as
// soon as the previous answer's body has been read, for a fixed time.

/** What load() needs of an answer: the global Response and miniflare's both fit. */
export interface Answer {
  ok: boolean;
  status: number;
  arrayBuffer(): Promise<ArrayBuffer>;
}

export interface Measurement {
  requests: number;
  bytes: number;
  seconds: number;
  /** Milliseconds per request, from sending to the last byte of the body. */
  latencies: number[];
}

/** `connections` clients calling `send` back to back for `seconds`; any answer that is not 2xx fails the run. */
export async function load(what: string, send: () => Promise<Answer>, connections: number, seconds: number): Promise<Measurement> {
  const latencies: number[] = [];
  let bytes = 0;
  const started = performance.now();
  const deadline = started + seconds * 1000;
  await Promise.all(
    Array.from({ length: connections }, async () => {
      while (performance.now() < deadline) {
        const t0 = performance.now();
        const res = await send();
        const body = await res.arrayBuffer();
        if (!res.ok) throw new Error(`${what}: answered ${res.status}`);
        latencies.push(performance.now() - t0);
        bytes += body.byteLength;
      }
    }),
  );
  return { requests: latencies.length, bytes, seconds: (performance.now() - started) / 1000, latencies };
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? Number.NaN;
}

const round = (x: number, digits: number) => Number(x.toFixed(digits));

/** Throughput and latency of one measurement, rounded for a table. */
export function summarize(m: Measurement) {
  const sorted = [...m.latencies].sort((a, b) => a - b);
  const mean = m.latencies.reduce((sum, x) => sum + x, 0) / m.latencies.length;
  return {
    "req/s": Math.round(m.requests / m.seconds),
    "mean ms": round(mean, 2),
    "p50 ms": round(percentile(sorted, 50), 2),
    "p99 ms": round(percentile(sorted, 99), 2),
  };
}
