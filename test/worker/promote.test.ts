/** Concurrent promotes serialise: the registry always ends with exactly one consistent current model. */
import { env } from "cloudflare:workers";
import { expect, it } from "vitest";
import { bytesOf, call, expectJson, promote, publish } from "./helpers.ts";

interface Version {
  id: string;
  current: boolean;
  promoted_at: string | null;
}

it("two concurrent promotes end with one current version that every route agrees on", async () => {
  await publish("race-a", { "model.onnx": bytesOf(64, 1) });
  await publish("race-b", { "model.onnx": bytesOf(64, 2) });
  for (let round = 0; round < 5; round++) {
    const results = await Promise.all([promote("race-a"), promote("race-b")]);
    expect(results.map((res) => res.status)).toEqual([200, 200]);

    const current = await expectJson<Version>(call("/api/models/current"), 200);
    expect(["race-a", "race-b"]).toContain(current.id);
    const { items } = await expectJson<{ items: Version[] }>(call("/api/models"), 200);
    expect(items.filter((v) => v.current).map((v) => v.id)).toEqual([current.id]);
    // The current version carries the latest promotion time; the row in current_model agrees.
    const latest = items.reduce((a, b) => ((a.promoted_at ?? "") >= (b.promoted_at ?? "") ? a : b));
    expect(latest.promoted_at).toBe(current.promoted_at);
    const row = await env.DB.prepare("SELECT version_id, promoted_at FROM current_model").all<{
      version_id: string;
      promoted_at: string;
    }>();
    expect(row.results).toEqual([{ version_id: current.id, promoted_at: current.promoted_at }]);
  }
});
