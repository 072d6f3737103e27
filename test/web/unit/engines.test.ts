import { describe, expect, it } from "vitest";
import type { UNet } from "../../../web/src/diffusion/guidance";
import { pooled, shares, workerEngine } from "../../../web/src/inference/engines";

const ROW = 3; // values per row of x (and of the output)

describe("a UNet over several engines (pooled)", () => {
  it("splits a batch's rows as evenly as can be, the larger shares first", () => {
    expect(shares(32, 2)).toEqual([16, 16]);
    expect(shares(7, 3)).toEqual([3, 2, 2]);
    expect(shares(1, 2)).toEqual([1, 0]);
  });

  it("runs each engine on its own rows at once and puts the outputs back in order", async () => {
    const seen: { engine: number; t: number[]; labels: number[] }[] = [];
    let running = 0;
    let mostAtOnce = 0;
    // Engine k answers each row's x plus 100 * k, after a pause in which the other engines start.
    const engine =
      (k: number): UNet =>
      async (x, t, labels) => {
        seen.push({ engine: k, t: [...t], labels: [...labels] });
        mostAtOnce = Math.max(mostAtOnce, ++running);
        await new Promise((resolve) => setTimeout(resolve, 5));
        running--;
        return x.map((v) => v + 100 * k);
      };
    const unet = pooled(
      [0, 1, 2].map((k) => ({ run: engine(k), alive: true })),
      ROW,
    );
    const batch = 5;
    const x = Float32Array.from({ length: batch * ROW }, (_, i) => i);
    const t = Float32Array.from({ length: batch }, (_, i) => 10 + i);
    const labels = Int32Array.from({ length: batch }, (_, i) => i);
    const out = await unet(x, t, labels);
    expect(mostAtOnce).toBe(3);
    expect(seen).toEqual([
      { engine: 0, t: [10, 11], labels: [0, 1] },
      { engine: 1, t: [12, 13], labels: [2, 3] },
      { engine: 2, t: [14], labels: [4] },
    ]);
    const owner = [0, 0, 1, 1, 2]; // each row's engine
    expect([...out]).toEqual([...x].map((v, i) => v + 100 * owner[Math.floor(i / ROW)]));
    // A batch smaller than the engines leaves the spare ones idle.
    seen.length = 0;
    await unet(x.subarray(0, ROW), t.subarray(0, 1), labels.subarray(0, 1));
    expect(seen.map((call) => call.engine)).toEqual([0]);
  });

  it("fails the call when an engine fails, and leaves an engine that died out of later calls", async () => {
    const calls: number[] = [];
    const broken = {
      alive: true,
      run: async () => {
        broken.alive = false;
        throw new Error("engine 1 is gone");
      },
    };
    const counted: UNet = async (x) => {
      calls.push(x.length / ROW);
      return x;
    };
    const unet = pooled([{ run: counted, alive: true }, broken], ROW);
    const call = () => unet(new Float32Array(2 * ROW), new Float32Array(2), new Int32Array(2));
    await expect(call()).rejects.toThrow(/engine 1 is gone/);
    await expect(call()).resolves.toHaveLength(2 * ROW);
    expect(calls).toEqual([1, 2]); // half the first batch, then all of the next
  });

  it("rejects, never throws, where an engine's worker cannot start", async () => {
    // Node has no Web Worker: as a browser without nested workers, whose page then runs on fewer engines.
    const opening = workerEngine(new ArrayBuffer(0), {} as Parameters<typeof workerEngine>[1]);
    await expect(opening).rejects.toThrow(/Worker/);
  });
});
