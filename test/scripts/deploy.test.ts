// npm run deploy up to the network boundary: the preflight is judged from env + wrangler.toml alone,
// a refused deploy runs no command at all, and --dry-run builds the real Worker bundle offline
// and reports its size. Nothing here reaches Cloudflare.
import { execFile } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { promisify } from "node:util";
import { gzipSync } from "node:zlib";
import { afterAll, describe, expect, test } from "vitest";
import { type Facts, PLACEHOLDER_DATABASE_ID, preflight, readWranglerConfig } from "../../scripts/lib/deploy-preflight.ts";
import { deployedUrl, runDeploy } from "../../scripts/lib/deploy-steps.ts";
import { root } from "../../scripts/lib/local-worker.ts";

const wranglerToml = readFileSync(join(root, "wrangler.toml"), "utf8");
const withDatabaseId = (id: string) => wranglerToml.replace(/^database_id = "[^"]*"/m, `database_id = "${id}"`);
const REAL_ID = "3f2c9a1e-7b4d-4e8a-9c6f-0d1e2f3a4b5c";

/** A machine with everything a deploy needs. */
const ready = (): Facts => ({
  env: { CLOUDFLARE_API_TOKEN: "cf-api-token", ADMIN_TOKEN: "a".repeat(32) },
  wranglerToml: withDatabaseId(REAL_ID),
  hasDefaultModel: true,
});
/** A fresh checkout on a machine that never deployed: the placeholder id, no credentials. */
const fresh = (): Facts => ({ env: {}, wranglerToml: withDatabaseId(PLACEHOLDER_DATABASE_ID), hasDefaultModel: true });

describe("preflight", () => {
  test("reads the D1 database and R2 bucket from wrangler.toml", () => {
    expect(readWranglerConfig(wranglerToml)).toMatchObject({ databaseName: "edge-diffusion", bucket: "edge-diffusion-weights" });
  });

  test("a ready machine lacks nothing", () => {
    const check = preflight(ready());
    expect(check.missing).toEqual([]);
    expect(check.notes.join("\n")).toMatch(/CLOUDFLARE_ACCOUNT_ID is not set/);
    expect(preflight({ ...ready(), env: { ...ready().env, CLOUDFLARE_ACCOUNT_ID: "acc" } }).notes).toEqual([]);
  });

  test("a fresh checkout: names the credentials, the database id and ADMIN_TOKEN, each with how to get it", () => {
    const { missing } = preflight(fresh());
    expect(missing).toHaveLength(3);
    expect(missing[0]).toMatch(/CLOUDFLARE_API_TOKEN .*`npx wrangler login`/);
    expect(missing[1]).toContain(
      `still the placeholder ${PLACEHOLDER_DATABASE_ID}; run \`npx wrangler d1 create edge-diffusion\` and paste the database_id`,
    );
    expect(missing[2]).toMatch(/^ADMIN_TOKEN in the environment: .*openssl rand -hex 32/);
  });

  test("a wrangler login stands in for CLOUDFLARE_API_TOKEN", () => {
    const login = "/home/me/.config/.wrangler/config/default.toml";
    const check = preflight({ ...ready(), env: { ADMIN_TOKEN: "a".repeat(32) }, wranglerLogin: login });
    expect(check.missing).toEqual([]);
    expect(check.notes).toEqual([`using the wrangler login stored in ${login}`]);
  });

  test("an ADMIN_TOKEN the Worker would ignore", () => {
    const { missing } = preflight({ ...ready(), env: { ...ready().env, ADMIN_TOKEN: "short" } });
    expect(missing).toEqual([expect.stringMatching(/^a longer ADMIN_TOKEN: it has 5 characters and the Worker ignores one under 24/)]);
  });

  test("wrangler.toml without the bucket, or with an id that is no D1 id", () => {
    const noBucket = withDatabaseId(REAL_ID).replace(/\[\[r2_buckets\]\][^[]*/, "");
    expect(preflight({ ...ready(), wranglerToml: noBucket }).missing).toEqual([
      expect.stringMatching(/no \[\[r2_buckets\]\] entry with binding = "WEIGHTS"/),
    ]);
    expect(preflight({ ...ready(), wranglerToml: withDatabaseId("edge-diffusion") }).missing).toEqual([
      expect.stringMatching(/"edge-diffusion" in wrangler.toml is not a D1 id/),
    ]);
  });

  test("a URL that is not http(s), and a missing default model", () => {
    expect(preflight({ ...ready(), url: "edge.example.com" }).missing).toEqual([
      expect.stringMatching(/"edge.example.com" .* is not http\(s\)/),
    ]);
    expect(preflight({ ...ready(), hasDefaultModel: false }).missing).toEqual([
      expect.stringMatching(/model\/weights\/manifest.json is missing/),
    ]);
  });
});

test("the URL to publish to: a custom domain first, else workers.dev", () => {
  const workersDev = "https://edge-diffusion.team.workers.dev";
  expect(deployedUrl([workersDev, "schedule: 23 * * * *"])).toBe(workersDev);
  expect(deployedUrl([workersDev, "edge.example.com (custom domain - zone name: example.com)"])).toBe("https://edge.example.com");
  expect(deployedUrl(["schedule: 23 * * * *"])).toBeUndefined();
});

describe("a refused deploy runs no command", () => {
  const attempt = async (facts: Facts) => {
    const commands: string[] = [];
    const io = { run: async (command: string, args: string[]) => void commands.push([command, ...args].join(" ")), log: () => undefined };
    const error = await runDeploy({ dryRun: false }, facts, io).then(
      () => undefined,
      (e: Error) => e,
    );
    return { error, commands };
  };

  test("a fresh checkout", async () => {
    const { error, commands } = await attempt(fresh());
    expect(error?.message).toMatch(/^deploy refused before changing anything. Missing:\n {2}- Cloudflare credentials/);
    expect(error?.message).toContain("npx wrangler d1 create edge-diffusion");
    expect(commands).toEqual([]);
  });

  test("everything but ADMIN_TOKEN", async () => {
    const { error, commands } = await attempt({ ...ready(), env: { CLOUDFLARE_API_TOKEN: "cf-api-token" } });
    expect(error?.message.split("\n").slice(1)).toEqual([expect.stringMatching(/^ {2}- ADMIN_TOKEN in the environment/)]);
    expect(commands).toEqual([]);
  });
});

describe("a deploy that fails partway stops there and says what changed remotely", () => {
  /** A Runner that records each command and fails the one whose words include `failOn`. */
  function failingAt(failOn: string) {
    const calls: { command: string; env: Record<string, string> }[] = [];
    const run = async (command: string, args: string[], env: Record<string, string> = {}) => {
      const line = [command.split("/").pop(), ...args].join(" ");
      calls.push({ command: line, env });
      if (line.includes(failOn)) throw new Error(`${failOn} failed`);
    };
    return { calls, io: { run, log: () => undefined } };
  }

  test("a failed migration: nothing remote changed yet, nothing after it runs", async () => {
    const { calls, io } = failingAt("migrations apply");
    const error = await runDeploy({ dryRun: false }, ready(), io).catch((e: Error) => e);
    expect(error?.message).toMatch(
      /^deploy stopped at step 3\/5 \(apply the D1 migrations to the remote database\): Error: migrations apply failed\n/,
    );
    expect(error?.message).toContain("`npx wrangler d1 list`");
    expect(error?.message).toMatch(/no remote change was made$/);
    expect(calls.map((c) => c.command)).toEqual([
      "wrangler r2 bucket info edge-diffusion-weights",
      "npm run build --silent",
      "wrangler d1 migrations apply DB --remote",
    ]);
  });

  test("wrangler deploy that deploys nothing: the migrations are named as done; ADMIN_TOKEN went by env only", async () => {
    // The runner starts no wrangler, so no deploy record appears: as when a wrangler prompt is declined.
    const { calls, io } = failingAt("never");
    const error = await runDeploy({ dryRun: false }, ready(), io).catch((e: Error) => e);
    expect(error?.message).toMatch(
      /^deploy stopped at step 4\/5 \(deploy the Worker, with ADMIN_TOKEN as its secret\): wrangler deploy exited without deploying/,
    );
    expect(error?.message).toMatch(/remote changes already made: apply the D1 migrations to the remote database$/);
    const deploy = calls.at(-1)!;
    expect(deploy.command).toMatch(/^wrangler deploy --secrets-file \S+secrets.env$/);
    expect(deploy.env.ADMIN_TOKEN).toBe(ready().env.ADMIN_TOKEN);
    expect(calls.map((c) => c.command).join("\n")).not.toContain(ready().env.ADMIN_TOKEN);
  });
});

describe("the command line", () => {
  const run = promisify(execFile);
  const scratch: string[] = [];
  afterAll(() => {
    for (const dir of scratch) rmSync(dir, { recursive: true, force: true });
  });
  /** No Cloudflare credentials, no login, no ADMIN_TOKEN; wrangler, if started, writes its logs under config/. */
  function isolated() {
    const home = mkdtempSync(join(tmpdir(), "deploy-home-"));
    scratch.push(home);
    const env = {
      PATH: process.env.PATH,
      HOME: home,
      XDG_CONFIG_HOME: join(home, "config"),
      WRANGLER_SEND_METRICS: "false",
      CLOUDFLARE_CF_FETCH_ENABLED: "false",
    };
    return { env, wranglerStarted: () => existsSync(join(home, "config/.wrangler")) };
  }
  const cli = (env: NodeJS.ProcessEnv, ...args: string[]) => run("node", [join(root, "scripts/deploy.ts"), ...args], { cwd: root, env });

  test("refuses with exit 1, naming what is missing, before building or starting wrangler", async () => {
    const { env, wranglerStarted } = isolated();
    const failure = await cli(env).catch((e) => e);
    expect(failure.code).toBe(1);
    expect(failure.stderr).toMatch(
      /^deploy refused before changing anything. Missing:\n {2}- Cloudflare credentials: set CLOUDFLARE_API_TOKEN/,
    );
    expect(failure.stderr).toContain("ADMIN_TOKEN in the environment");
    expect(failure.stdout).not.toContain("[1/");
    expect(wranglerStarted()).toBe(false);
  });

  test("--dry-run builds the Worker bundle offline and prints its size, raw and gzip", async () => {
    const { env, wranglerStarted } = isolated();
    const { stdout } = await cli(env, "--dry-run");
    expect(wranglerStarted()).toBe(true); // the check the refusal test relies on sees wrangler when it runs
    const [, bundle, raw, gzip] = /Worker bundle \((.+)\): ([\d.]+) KiB raw, ([\d.]+) KiB gzip/.exec(stdout) ?? [];
    expect(bundle, stdout).toBeDefined();
    scratch.push(dirname(bundle!));
    const bytes = readFileSync(bundle!);
    expect(Number(raw)).toBe(Number((statSync(bundle!).size / 1024).toFixed(1)));
    const gzipped = gzipSync(bytes).length;
    expect(Math.abs(Number(gzip) * 1024 - gzipped) / gzipped).toBeLessThan(0.02);
    expect(stdout).toMatch(/largest parts: (\S+ [\d.]+ KiB \(\d+%\)(, )?){3,}/);
    expect(stdout).toContain("dry run: stopped before anything remote.");
    expect(stdout).toContain("A real deploy would still need:");
  }, 180_000);
});
