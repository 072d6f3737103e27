// The steps of `npm run deploy`, run in order after preflight; the first failure stops the run and
// says what had already changed remotely. Commands run through a Runner, so tests can see them.
import { spawn } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { basename, join } from "node:path";
import { publishCommitted } from "./committed-models.ts";
import { type Facts, listMissing, preflight, refusal } from "./deploy-preflight.ts";
import { DEFAULT_MODEL, root, wrangler } from "./local-worker.ts";
import { PublishError } from "./registry.ts";

export class DeployError extends Error {}

/** Runs a command in the repository root; `env` is added to this process's environment. */
export type Runner = (command: string, args: string[], env?: Record<string, string>) => Promise<void>;

export interface Io {
  run: Runner;
  log: (line: string) => void;
}

/** The real Runner: the terminal sees the command's output. ADMIN_TOKEN reaches only a child given it in `env`. */
export function runner(log: (line: string) => void): Runner {
  const { ADMIN_TOKEN: _, ...inherited } = process.env;
  return (command, args, env = {}) => {
    const line = [basename(command), ...args].join(" "); // never a secret: those go by env
    log(`$ ${line}`);
    return new Promise((resolve, reject) => {
      const child = spawn(command, args, { cwd: root, stdio: "inherit", env: { ...inherited, ...env } });
      child.on("error", (e) => reject(new DeployError(`could not start ${command}: ${e.message}`)));
      child.on("exit", (code, signal) =>
        code === 0
          ? resolve()
          : reject(
              new DeployError(`\`${line}\` ${signal ? `was killed by ${signal}` : `exited with code ${code}`} (see its output above)`),
            ),
      );
    });
  };
}

interface DeployRecord {
  targets?: string[];
  bundle_size?: { raw_bytes: number; gzip_bytes: number };
}

/** The last "deploy" entry wrangler wrote to WRANGLER_OUTPUT_FILE_PATH (one JSON object a line). */
function deployRecord(ndjson: string): DeployRecord | undefined {
  const entries = ndjson
    .split("\n")
    .filter((line) => line.trim())
    .map((line) => JSON.parse(line) as { type?: string });
  return entries.filter((e) => e.type === "deploy").at(-1) as DeployRecord | undefined;
}

/**
 * The URL to publish to, from wrangler deploy's targets ("https://x.workers.dev",
 * "example.com (custom domain)", "schedule: …"): a custom domain first, because the Workers cache
 * that serves /api/models/current works there and not on workers.dev.
 */
export function deployedUrl(targets: string[]): string | undefined {
  const domain = targets.map((t) => /^([\w.-]+) \(custom domain/.exec(t)?.[1]).find(Boolean);
  return domain ? `https://${domain}` : targets.find((t) => /^https:\/\/[\w.-]+\.workers\.dev$/.test(t));
}

interface Metafile {
  outputs: Record<string, { bytes: number; inputs: Record<string, { bytesInOutput: number }> }>;
}

/** The bundle's bytes per npm package (and "worker/" for our own code), largest first. */
function bundleParts(meta: Metafile): { name: string; bytes: number }[] {
  const [, bundle] =
    Object.entries(meta.outputs)
      .filter(([path]) => !path.endsWith(".map"))
      .sort(([, a], [, b]) => b.bytes - a.bytes)[0] ?? [];
  const parts = new Map<string, number>();
  for (const [path, { bytesInOutput }] of Object.entries(bundle?.inputs ?? {})) {
    const name = /node_modules\/((@[^/]+\/)?[^/]+)/.exec(path)?.[1] ?? `${path.split("/")[0]}/`;
    parts.set(name, (parts.get(name) ?? 0) + bytesInOutput);
  }
  return [...parts].map(([name, bytes]) => ({ name, bytes })).sort((a, b) => b.bytes - a.bytes);
}

const kib = (bytes: number) => `${(bytes / 1024).toFixed(1)} KiB`;

/** Runs wrangler with a fresh WRANGLER_OUTPUT_FILE_PATH and returns its deploy record. */
async function wranglerDeploy(run: Runner, args: string[], env: Record<string, string> = {}): Promise<DeployRecord> {
  const dir = mkdtempSync(join(tmpdir(), "edge-diffusion-deploy-"));
  const output = join(dir, "wrangler-output.ndjson");
  let record: DeployRecord | undefined;
  try {
    await run(wrangler, ["deploy", ...args], { ...env, WRANGLER_OUTPUT_FILE_PATH: output });
    record = existsSync(output) ? deployRecord(readFileSync(output, "utf8")) : undefined;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  if (!record) throw new DeployError("wrangler deploy exited without deploying (a prompt declined?)");
  return record;
}

interface Step {
  title: string;
  /** Whether it changes something at Cloudflare, for the failure message. */
  remote?: boolean;
  /** Said on failure: how to get past it. */
  hint?: string;
  run: () => Promise<void>;
}

/** Runs the steps in order, each announced; the first failure stops them, saying what changed remotely. */
async function runSteps(steps: Step[], log: (line: string) => void): Promise<void> {
  const changed: string[] = [];
  for (const [i, s] of steps.entries()) {
    log(`\n[${i + 1}/${steps.length}] ${s.title}`);
    try {
      await s.run();
    } catch (e) {
      const reason = e instanceof DeployError || e instanceof PublishError ? e.message : String(e);
      const done = changed.length ? `remote changes already made: ${changed.join("; ")}` : "no remote change was made";
      throw new DeployError(
        [`deploy stopped at step ${i + 1}/${steps.length} (${s.title}): ${reason}`, s.hint, done].filter(Boolean).join("\n"),
      );
    }
    if (s.remote) changed.push(s.title);
  }
}

const buildPage = (run: Runner): Step => ({ title: "build the page", run: () => run("npm", ["run", "build", "--silent"]) });

/** --dry-run: builds the page and the Worker bundle, offline, and reports the bundle's size. */
async function dryRun({ run, log }: Io): Promise<void> {
  const outdir = mkdtempSync(join(tmpdir(), "edge-diffusion-bundle-"));
  let record: DeployRecord = {};
  await runSteps(
    [
      buildPage(run),
      {
        title: "bundle the Worker (wrangler deploy --dry-run: uploads nothing)",
        run: async () => {
          record = await wranglerDeploy(run, ["--dry-run", "--outdir", outdir, "--metafile"]);
        },
      },
    ],
    log,
  );
  const size = record.bundle_size;
  if (!size) throw new DeployError("wrangler deploy --dry-run reported no bundle size");
  log(
    `\nWorker bundle (${join(outdir, "index.js")}): ${kib(size.raw_bytes)} raw, ${kib(size.gzip_bytes)} gzip (the Workers limit, counted gzipped: 3 MB Free, 10 MB Paid)`,
  );
  const parts = bundleParts(JSON.parse(readFileSync(join(outdir, "bundle-meta.json"), "utf8")) as Metafile);
  log(
    `largest parts: ${parts
      .slice(0, 5)
      .map((p) => `${p.name} ${kib(p.bytes)} (${((100 * p.bytes) / size.raw_bytes).toFixed(0)}%)`)
      .join(", ")}`,
  );
}

/** Waits for /api/health (it reads D1): a new workers.dev subdomain can take a minute to resolve. */
async function waitForHealth(url: string): Promise<void> {
  for (let i = 0; i < 30; i++) {
    if (
      await fetch(`${url}/api/health`).then(
        (res) => res.ok,
        () => false,
      )
    )
      return;
    await new Promise((resolve) => setTimeout(resolve, 3000));
  }
  throw new DeployError(`${url}/api/health did not answer 200 within 90 s`);
}

/** The real deploy: check the bucket, build, migrate D1, deploy, publish model/weights. */
async function deploy(facts: Facts, bucket: string, { run, log }: Io): Promise<void> {
  const token = facts.env.ADMIN_TOKEN!;
  let url = facts.url ?? facts.env.EDGE_DIFFUSION_URL;
  // The secret's value stays in the environment: wrangler expands ${ADMIN_TOKEN} from it. (A
  // wrangler that did not would upload the literal text, too short for worker/http/auth.ts to accept.)
  const secretsDir = mkdtempSync(join(tmpdir(), "edge-diffusion-secrets-"));
  const secrets = join(secretsDir, "secrets.env");
  // biome-ignore lint/suspicious/noTemplateCurlyInString: the literal ${ADMIN_TOKEN} is what wrangler expands.
  writeFileSync(secrets, "ADMIN_TOKEN=${ADMIN_TOKEN}\n", { mode: 0o600 });
  const steps: Step[] = [
    {
      title: `check that the R2 bucket ${bucket} exists (read-only)`,
      hint: `create it with \`npx wrangler r2 bucket create ${bucket}\`, or check the credentials (\`npx wrangler whoami\`)`,
      run: () => run(wrangler, ["r2", "bucket", "info", bucket]),
    },
    buildPage(run),
    {
      title: "apply the D1 migrations to the remote database",
      remote: true,
      hint: "check that database_id in wrangler.toml is the one `npx wrangler d1 list` shows",
      // CI=1 applies without asking: a declined prompt exits 0 and the Worker would meet an old schema.
      run: () => run(wrangler, ["d1", "migrations", "apply", "DB", "--remote"], { CI: "1" }),
    },
    {
      title: "deploy the Worker, with ADMIN_TOKEN as its secret",
      remote: true,
      run: async () => {
        const record = await wranglerDeploy(run, ["--secrets-file", secrets], { ADMIN_TOKEN: token });
        url ??= deployedUrl(record.targets ?? []);
        if (!url) throw new DeployError(`no URL among wrangler's targets (${record.targets?.join(", ") || "none"}): rerun with --url`);
        log(`deployed at ${url}`);
      },
    },
    {
      title: `publish the committed models (${DEFAULT_MODEL}, and its student where one is committed)`,
      remote: true,
      hint: "the Worker is deployed; publish again with `EDGE_DIFFUSION_TOKEN=$ADMIN_TOKEN npm run publish-model -- model/weights --url <url>`",
      run: async () => {
        await waitForHealth(url!);
        await publishCommitted({ baseUrl: url!, token, log: (line) => log(`  ${line}`) });
      },
    },
  ];
  try {
    await runSteps(steps, log);
  } finally {
    rmSync(secretsDir, { recursive: true, force: true });
  }
  log(`\nedge-diffusion is live at ${url}`);
}

/** `npm run deploy [-- --dry-run]`: preflight first, so a refusal runs no command at all. */
export async function runDeploy(options: { dryRun: boolean }, facts: Facts, io: Io): Promise<void> {
  const check = preflight(facts);
  for (const note of check.notes) io.log(`note: ${note}`);
  if (options.dryRun) {
    await dryRun(io);
    io.log("\ndry run: stopped before anything remote.");
    io.log(
      check.missing.length ? `A real deploy would still need:\n${listMissing(check.missing)}` : "A real deploy has everything it needs.",
    );
    return;
  }
  if (check.missing.length) throw new DeployError(refusal(check.missing));
  await deploy(facts, check.config.bucket!, io);
}
