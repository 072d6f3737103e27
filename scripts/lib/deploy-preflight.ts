// What `npm run deploy` needs before it changes anything, judged by preflight(), a pure function
// of the environment, wrangler.toml and two facts about this machine (gatherFacts reads them).
import { existsSync, readFileSync } from "node:fs";
import { homedir } from "node:os";
import { join } from "node:path";
import { DEFAULT_MODEL, root } from "./local-worker.ts";

export const PLACEHOLDER_DATABASE_ID = "00000000-0000-0000-0000-000000000000";
/** worker/http/auth.ts ignores a shorter ADMIN_TOKEN (it would be guessable). */
const MIN_ADMIN_TOKEN_LENGTH = 24;

export type Env = Record<string, string | undefined>;

export interface Facts {
  env: Env;
  wranglerToml: string;
  /** The credentials file `wrangler login` left, if any. */
  wranglerLogin?: string;
  /** Whether model/weights holds an export to publish. */
  hasDefaultModel: boolean;
  /** --url: where the deployed Worker answers, when wrangler's output should not decide. */
  url?: string;
}

export interface WranglerConfig {
  accountId?: string;
  databaseName?: string;
  databaseId?: string;
  bucket?: string;
}

export interface Preflight {
  /** What a real deploy lacks, each with how to get it; empty when it can go ahead. */
  missing: string[];
  /** Worth knowing, but no reason to stop. */
  notes: string[];
  config: WranglerConfig;
}

/**
 * The few wrangler.toml values deploy checks: top-level account_id, the D1 database bound as DB
 * and the R2 bucket bound as WEIGHTS. Reads `key = "string"` lines per table; not a TOML parser.
 */
export function readWranglerConfig(toml: string): WranglerConfig {
  const tables: { name: string; values: Record<string, string> }[] = [{ name: "", values: {} }];
  for (const line of toml.split("\n").map((l) => l.trim())) {
    const header = /^\[\[?\s*([\w.-]+)\s*\]\]?/.exec(line);
    if (header) tables.push({ name: header[1]!, values: {} });
    const pair = /^([\w-]+)\s*=\s*"([^"]*)"/.exec(line);
    if (pair) tables.at(-1)!.values[pair[1]!] = pair[2]!;
  }
  const bound = (name: string, binding: string) => tables.find((t) => t.name === name && t.values.binding === binding)?.values;
  const d1 = bound("d1_databases", "DB");
  return {
    accountId: tables[0]!.values.account_id,
    databaseName: d1?.database_name,
    databaseId: d1?.database_id,
    bucket: bound("r2_buckets", "WEIGHTS")?.bucket_name,
  };
}

export function preflight(facts: Facts): Preflight {
  const { env } = facts;
  const config = readWranglerConfig(facts.wranglerToml);
  const missing: string[] = [];
  const notes: string[] = [];

  const token = env.CLOUDFLARE_API_TOKEN || (env.CLOUDFLARE_API_KEY && env.CLOUDFLARE_EMAIL);
  if (!token && !facts.wranglerLogin) {
    missing.push(
      "Cloudflare credentials: set CLOUDFLARE_API_TOKEN (https://dash.cloudflare.com/profile/api-tokens, " +
        'template "Edit Cloudflare Workers" plus Account > D1 > Edit), or run `npx wrangler login` once on this machine',
    );
  } else if (!token) {
    notes.push(`using the wrangler login stored in ${facts.wranglerLogin}`);
  } else if (!env.CLOUDFLARE_ACCOUNT_ID && !config.accountId) {
    notes.push(
      "CLOUDFLARE_ACCOUNT_ID is not set: fine if the token reaches one account; if it reaches several, " +
        "set it (`npx wrangler whoami` lists the account ids)",
    );
  }

  const name = config.databaseName ?? "edge-diffusion";
  if (!config.databaseId) {
    missing.push('the D1 database: wrangler.toml has no [[d1_databases]] entry with binding = "DB" and a database_id');
  } else if (config.databaseId === PLACEHOLDER_DATABASE_ID) {
    missing.push(
      `the D1 database: wrangler.toml's database_id is still the placeholder ${PLACEHOLDER_DATABASE_ID}; ` +
        `run \`npx wrangler d1 create ${name}\` and paste the database_id it prints into wrangler.toml ` +
        `(\`npx wrangler d1 list\` shows it if the database exists already)`,
    );
  } else if (!/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(config.databaseId)) {
    missing.push(
      `the D1 database: database_id "${config.databaseId}" in wrangler.toml is not a D1 id (a UUID); \`npx wrangler d1 list\` shows it`,
    );
  }

  if (!config.bucket) {
    missing.push('the R2 bucket: wrangler.toml has no [[r2_buckets]] entry with binding = "WEIGHTS" and a bucket_name');
  }

  // The token travels in the environment only: an argument would show in `ps` and in shell history.
  const admin = env.ADMIN_TOKEN;
  const makeOne = "a new one: `export ADMIN_TOKEN=$(openssl rand -hex 32)` (keep it in your password manager)";
  if (!admin) {
    missing.push(
      "ADMIN_TOKEN in the environment: the Worker's bootstrap token, deployed as its ADMIN_TOKEN secret and used " +
        `to publish the model; the current one: \`read -rs ADMIN_TOKEN && export ADMIN_TOKEN\`, or ${makeOne}`,
    );
  } else if (admin.length < MIN_ADMIN_TOKEN_LENGTH) {
    missing.push(
      `a longer ADMIN_TOKEN: it has ${admin.length} characters and the Worker ignores one under ${MIN_ADMIN_TOKEN_LENGTH}; ${makeOne}`,
    );
  }

  const url = facts.url ?? env.EDGE_DIFFUSION_URL;
  if (url !== undefined && !/^https?:\/\/[^/\s]+/.test(url)) {
    missing.push(
      `a valid URL: "${url}" (--url or EDGE_DIFFUSION_URL) is not http(s)://host; leave both unset to use the one wrangler deploy prints`,
    );
  }

  if (!facts.hasDefaultModel) {
    missing.push(`the default model: ${DEFAULT_MODEL}/manifest.json is missing; restore model/weights from git`);
  }
  return { missing, notes, config };
}

export function listMissing(missing: string[]): string {
  return missing.map((m) => `  - ${m}`).join("\n");
}

export function refusal(missing: string[]): string {
  return `deploy refused before changing anything. Missing:\n${listMissing(missing)}`;
}

/** Where `wrangler login` keeps its credentials (plain or encrypted), as wrangler 4 looks for them. */
function wranglerLoginFile(env: Env, home = homedir()): string | undefined {
  const configHome = env.XDG_CONFIG_HOME || join(home, process.platform === "darwin" ? "Library/Preferences" : ".config");
  for (const dir of [join(home, ".wrangler"), join(configHome, ".wrangler")]) {
    for (const file of ["default.toml", "default.enc"]) {
      if (existsSync(join(dir, "config", file))) return join(dir, "config", file);
    }
  }
  return undefined;
}

/** Everything preflight judges, read from this machine. */
export function gatherFacts(env: Env, url?: string): Facts {
  return {
    env,
    wranglerToml: readFileSync(join(root, "wrangler.toml"), "utf8"),
    wranglerLogin: wranglerLoginFile(env, env.HOME || homedir()),
    hasDefaultModel: existsSync(join(DEFAULT_MODEL, "manifest.json")),
    url,
  };
}
