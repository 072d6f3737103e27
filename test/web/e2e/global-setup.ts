import type { TestProject } from "vitest/node";
import { startSite } from "../../../scripts/lib/site.ts";

declare module "vitest" {
  export interface ProvidedContext {
    baseUrl: string;
  }
}

/** One Worker with the fixture published for the whole suite: wrangler's start-up is the slow part. */
export default async function setup(project: TestProject) {
  const site = await startSite();
  project.provide("baseUrl", site.worker.url);
  return () => site.cleanup();
}
