// The publish script against a real local Worker (wrangler dev, embedded D1/R2): it publishes,
// reruns change nothing, and every failure leaves the registry exactly as it was and says why.
import { execFile } from "node:child_process";
import { createHash } from "node:crypto";
import { cpSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { publishCommitted, studentVerdict } from "../../scripts/lib/committed-models.ts";
import { freePort, type LocalWorker, root, startLocalWorker } from "../../scripts/lib/local-worker.ts";
import { publish } from "../../scripts/lib/publish.ts";
import type { Manifest } from "../../worker/contract/manifest.ts";

const TOKEN = "publish-test-admin-token-0123456789";
const fixture = join(root, "test/fixtures/tiny");
let worker: LocalWorker;

beforeAll(async () => {
  const state = mkdtempSync(join(tmpdir(), "publish-state-"));
  worker = await startLocalWorker({ persistTo: state, adminToken: TOKEN, log: join(state, "wrangler.log") });
}, 180_000);
afterAll(() => worker?.stop());

/** Everything the registry holds, public and pending: equal snapshots mean nothing changed. */
async function snapshot(): Promise<unknown> {
  const get = async (path: string, auth = false) =>
    (await fetch(`${worker.url}/api${path}`, auth ? { headers: { Authorization: `Bearer ${TOKEN}` } } : {})).json();
  return { all: await get("/admin/models?limit=100", true), current: await get("/models/current") };
}

/** A copy of the fixture export under a new id, optionally damaged by `edit`. */
function exportCopy(id: string, edit?: (dir: string, manifest: Manifest) => void): string {
  const dir = mkdtempSync(join(tmpdir(), "export-"));
  cpSync(fixture, dir, { recursive: true });
  const manifest = JSON.parse(readFileSync(join(dir, "manifest.json"), "utf8"));
  manifest.id = id;
  edit?.(dir, manifest);
  writeFileSync(join(dir, "manifest.json"), JSON.stringify(manifest));
  return dir;
}

const options = () => ({ baseUrl: worker.url, token: TOKEN, promote: true });

describe("publishing", () => {
  test("publishes the fixture as current, and a rerun changes nothing", async () => {
    const first = await publish(fixture, options());
    expect(first).toEqual({ id: "tiny-fixture", registered: true, uploaded: ["model.onnx", "model.fp16.onnx"], promoted: true });
    const current = await (await fetch(`${worker.url}/api/models/current`)).json();
    expect(current.id).toBe("tiny-fixture");
    const weights = await fetch(current.manifest.files[0].url);
    const bytes = new Uint8Array(await weights.arrayBuffer());
    expect(createHash("sha256").update(bytes).digest("hex")).toBe(current.manifest.files[0].sha256);

    const before = await snapshot();
    expect(await publish(fixture, options())).toEqual({ id: "tiny-fixture", registered: false, uploaded: [], promoted: false });
    expect(await snapshot()).toEqual(before);
  });

  test("--no-promote registers a version without making it current", async () => {
    await publish(fixture, options());
    await publish(exportCopy("side-version"), { ...options(), promote: false });
    const current = await (await fetch(`${worker.url}/api/models/current`)).json();
    expect(current.id).toBe("tiny-fixture");
    expect((await fetch(`${worker.url}/api/models/side-version`)).status).toBe(200);
  });

  test("a publish that fails after finalizing keeps the published version, and a rerun promotes it", async () => {
    await publish(fixture, options());
    // Deleting it would burn its id for good: the registry never takes a deleted published id again.
    const flaky: typeof fetch = async (input, init) => {
      if (String(input).endsWith("/promote")) throw new TypeError("connection reset by peer");
      return fetch(input, init);
    };
    const lines: string[] = [];
    const dir = exportCopy("promote-fails");
    await expect(publish(dir, { ...options(), fetchImpl: flaky, log: (l) => lines.push(l) })).rejects.toThrow(/connection reset by peer/);
    expect(lines).toContain(
      "promote-fails was published before the failure and stays (a deleted published id is never taken again): rerun to finish",
    );
    expect((await fetch(`${worker.url}/api/models/promote-fails`)).status).toBe(200);
    expect(await publish(dir, options())).toEqual({ id: "promote-fails", registered: false, uploaded: [], promoted: true });
  });
});

describe("failures leave the registry as it was", () => {
  async function expectUnchanged(run: () => Promise<unknown>, reason: RegExp): Promise<void> {
    await publish(fixture, options());
    const before = await snapshot();
    await expect(run()).rejects.toThrow(reason);
    expect(await snapshot()).toEqual(before);
  }

  test("a corrupt ONNX file", async () => {
    const dir = exportCopy("corrupt-onnx", (d, manifest) => {
      const garbage = Buffer.from("definitely not onnx");
      writeFileSync(join(d, "model.onnx"), garbage);
      manifest.files[0] = { ...manifest.files[0]!, bytes: garbage.length, sha256: createHash("sha256").update(garbage).digest("hex") };
    });
    await expectUnchanged(() => publish(dir, options()), /model.onnx is not a valid ONNX model/);
  });

  test("a manifest the Worker would refuse, named field by field before anything is sent", async () => {
    const dir = exportCopy("bad-manifest", (_d, manifest) => {
      Object.assign(manifest, { diffusion: { ...(manifest as unknown as { diffusion: object }).diffusion, prediction: "x0" } });
    });
    await expectUnchanged(() => publish(dir, options()), /not a valid edge-diffusion manifest:[\s\S]*diffusion\.prediction/);
  });

  test("outputs that do not match PyTorch's in parity.json", async () => {
    const dir = exportCopy("parity-mismatch", (d) => {
      const parity = JSON.parse(readFileSync(join(d, "parity.json"), "utf8"));
      parity.outputs.out.data[0] += 1;
      writeFileSync(join(d, "parity.json"), JSON.stringify(parity));
    });
    await expectUnchanged(() => publish(dir, options()), /differs from PyTorch on the parity inputs/);
  });

  test("a token that could not finish or undo the run", async () => {
    const res = await fetch(`${worker.url}/api/admin/tokens`, {
      method: "POST",
      headers: { Authorization: `Bearer ${TOKEN}`, "Content-Type": "application/json" },
      body: JSON.stringify({ name: "write only", scopes: ["models:write"] }),
    });
    const { token } = (await res.json()) as { token: string };
    await expectUnchanged(() => publish(exportCopy("write-only"), { ...options(), token }), /lacks models:promote .*nothing was changed/);
  });

  test("a wrong token", async () => {
    await expectUnchanged(
      () => publish(exportCopy("wrong-token"), { ...options(), token: "not-the-token-0123456789abcdef" }),
      /failed with 401/,
    );
  });

  test("a Worker that is down", async () => {
    const closed = `http://127.0.0.1:${await freePort()}`;
    await expectUnchanged(() => publish(exportCopy("worker-down"), { ...options(), baseUrl: closed }), /is not reachable .* is it running/);
  });

  test("a publish interrupted halfway: the registered version is removed again", async () => {
    // The fixture's weights are stored already, so the new version uploads nothing: the break comes at finalize.
    const flaky: typeof fetch = async (input, init) => {
      if (String(input).endsWith("/finalize")) throw new TypeError("connection reset by peer");
      return fetch(input, init);
    };
    const lines: string[] = [];
    await expectUnchanged(
      () => publish(exportCopy("interrupted"), { ...options(), fetchImpl: flaky, log: (l) => lines.push(l) }),
      /not reachable \(connection reset by peer\)/,
    );
    expect(lines).toContain("removed interrupted again: the registry is as it was");
  });

  test("a new version of stored weights uploads nothing: the Worker registers its files as verified", async () => {
    await publish(fixture, options());
    const result = await publish(exportCopy("same-weights"), { ...options(), promote: false });
    expect(result.uploaded).toEqual([]);
    expect(result.registered).toBe(true);
  });
});

describe("secrets", () => {
  test("the local Worker's admin token is on no process's command line", () => {
    // What `ps` shows every user: each process's /proc/<pid>/cmdline.
    const commandLines = readdirSync("/proc")
      .filter((name) => /^\d+$/.test(name))
      .map((pid) => {
        try {
          return readFileSync(`/proc/${pid}/cmdline`, "utf8").replaceAll("\0", " ");
        } catch {
          return ""; // the process ended meanwhile
        }
      });
    expect(commandLines.some((line) => line.includes("wrangler"))).toBe(true); // the Worker under test runs...
    expect(commandLines.filter((line) => line.includes(TOKEN))).toEqual([]); // ...and shows its token to no one
  });
});

describe("the command line", () => {
  const run = promisify(execFile);
  const cli = (...args: string[]) => run("node", [join(root, "scripts/publish-model.ts"), ...args], { cwd: root });

  test("prints what it did, and says so when there is nothing to do", async () => {
    await publish(fixture, options());
    const { stdout } = await cli(fixture, "--url", worker.url, "--token", TOKEN);
    expect(stdout).toContain("verified model.onnx (fp32)");
    expect(stdout).toContain("nothing to do: tiny-fixture is already published");
  });

  test("exits 1 with the reason on failure", async () => {
    const failure = await cli(fixture, "--url", worker.url, "--token", "wrong-token-0123456789abcdefgh").catch((e) => e);
    expect(failure.code).toBe(1);
    expect(failure.stderr).toMatch(/^publish failed: GET \/admin\/token failed with 401 invalid_token/);
  });
});

describe("the committed models", () => {
  const generation = (frechet_distance: number, class_accuracy: number) => ({ generation: { frechet_distance, class_accuracy } });
  const teacher = exportCopy("pair-teacher", (_dir, m) => Object.assign(m, { metrics: generation(5.0, 0.88) }));
  /** A student of pair-teacher that generates as `metrics` say (the bytes are the fixture's: only the manifests decide). */
  const student = (id: string, metrics: object, teacherId = "pair-teacher") =>
    exportCopy(id, (_dir, m) =>
      Object.assign(m, {
        teacher: teacherId,
        metrics,
        defaults: { ...m.defaults, generate: { sampler: "ddim", steps: 2, guidance: 1, guidance_interval: null, timesteps: [90, 30] } },
      }),
    );
  const current = async () => ((await (await fetch(`${worker.url}/api/models/current`)).json()) as { id: string }).id;

  test("the student serves first where its evaluation holds beside its teacher's; otherwise the teacher does, the student published beside it", async () => {
    const lines: string[] = [];
    const log = (line: string) => lines.push(line);
    const weak = await publishCommitted(
      { baseUrl: worker.url, token: TOKEN, log },
      { teacher, student: student("pair-weak", generation(5.6, 0.88)) },
    );
    expect([weak, await current()]).toEqual(["pair-teacher", "pair-teacher"]);
    expect(lines).toContain(
      "pair-teacher stays current, pair-weak one click away: its Frechet distance 5.60 is above 5.50 (its teacher's 5.00 + 10%)",
    );
    const listed = (await (await fetch(`${worker.url}/api/models?limit=100`)).json()) as {
      items: { id: string; status: string; teacher: string | null }[];
    };
    expect(listed.items.find((v) => v.id === "pair-weak")).toMatchObject({ status: "ready", teacher: "pair-teacher" });

    const good = student("pair-good", generation(5.4, 0.87));
    expect(await publishCommitted({ baseUrl: worker.url, token: TOKEN }, { teacher, student: good })).toBe("pair-good");
    expect(await current()).toBe("pair-good");
    const before = await snapshot();
    await publishCommitted({ baseUrl: worker.url, token: TOKEN }, { teacher, student: good });
    expect(await snapshot()).toEqual(before); // a rerun changes nothing

    // Without a committed student, the default model is current again.
    expect(await publishCommitted({ baseUrl: worker.url, token: TOKEN }, { teacher, student: join(teacher, "student") })).toBe(
      "pair-teacher",
    );
    expect(await current()).toBe("pair-teacher");
  });

  test("a student is measured against its own teacher only", () => {
    const manifestOf = (dir: string) => JSON.parse(readFileSync(join(dir, "manifest.json"), "utf8")) as Manifest;
    const [theirs, pupil] = [manifestOf(teacher), manifestOf(student("pair-other", generation(5.0, 0.88), "another-teacher"))];
    expect(studentVerdict(pupil, theirs)).toEqual({ ok: false, reason: "it was distilled from another-teacher, not pair-teacher" });
    const unsure = manifestOf(student("pair-unsure", generation(5.0, 0.86)));
    expect(studentVerdict(unsure, theirs)).toEqual({
      ok: false,
      reason: "its class accuracy 86.0% is more than 1.5 points under its teacher's 88.0%",
    });
    expect(studentVerdict(manifestOf(student("pair-unmeasured", {})), theirs)).toEqual({
      ok: false,
      reason: "it has no evaluation of its generation",
    });
  });
});
