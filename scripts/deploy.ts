/**
 * Deploy to Cloudflare: npm run deploy [-- --dry-run] [--url URL]
 *
 * Checks what the deploy needs first (credentials, the D1 database_id, the R2 bucket, ADMIN_TOKEN)
 * and names whatever is missing before changing anything; then builds the page, applies the D1
 * migrations remotely, runs `wrangler deploy` with ADMIN_TOKEN as the Worker's secret, and
 * publishes model/weights to the deployed URL (wrangler's, or --url / EDGE_DIFFUSION_URL).
 * --dry-run builds the page and the Worker bundle offline, reports the bundle size and stops.
 * ADMIN_TOKEN is read from the environment only, never from an argument (`ps` shows those).
 */
import { parseArgs } from "node:util";
import { gatherFacts } from "./lib/deploy-preflight.ts";
import { DeployError, runDeploy, runner } from "./lib/deploy-steps.ts";

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { "dry-run": { type: "boolean", default: false }, url: { type: "string" } } });
  const log = (line: string) => console.log(line);
  await runDeploy({ dryRun: values["dry-run"] }, gatherFacts(process.env, values.url), { run: runner(log), log });
}

main().catch((e: unknown) => {
  const badOption = (e as { code?: string } | undefined)?.code === "ERR_PARSE_ARGS_UNKNOWN_OPTION";
  if (e instanceof DeployError || badOption) {
    console.error(e instanceof DeployError ? e.message : `deploy: ${(e as Error).message}`);
    process.exit(1);
  }
  throw e;
});
