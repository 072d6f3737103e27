// Publishing one export directory: verify locally, register, upload what is missing, finalize,
// promote. Idempotent (a rerun changes nothing), and a failure before finalizing undoes the
// version it registered, so the registry is left as it was. A version already published stays:
// the registry never takes a deleted published id again, so a rerun finishes it instead.
import { readManifest, readVerifiedFile } from "./export-dir.ts";
import { type Fetch, PublishError, RegistryClient } from "./registry.ts";
import { describeParity, verifyExport } from "./verify-onnx.ts";

export interface PublishOptions {
  baseUrl: string;
  token: string;
  promote: boolean;
  log?: (line: string) => void;
  /** For fault injection in tests; defaults to the global fetch. */
  fetchImpl?: Fetch;
}

export interface PublishResult {
  id: string;
  registered: boolean;
  uploaded: string[];
  promoted: boolean;
}

export async function publish(dir: string, options: PublishOptions): Promise<PublishResult> {
  const log = options.log ?? (() => undefined);
  const manifest = await readManifest(dir);
  for (const parity of await verifyExport(dir)) log(`verified ${describeParity(parity)}`);
  const registry = new RegistryClient(options.baseUrl, options.token, options.fetchImpl);
  await checkScopes(registry);
  const { created } = await registry.createVersion(manifest);
  log(created ? `registered ${manifest.id} (pending)` : `${manifest.id} was already registered`);
  const result: PublishResult = { id: manifest.id, registered: created, uploaded: [], promoted: false };
  try {
    let version = await registry.version(manifest.id);
    if (version.status === "pending") {
      for (const file of manifest.files) {
        if (version.files.find((f) => f.name === file.name)?.verified) continue;
        await registry.uploadFile(manifest.id, file, await readVerifiedFile(dir, file));
        result.uploaded.push(file.name);
        log(`uploaded ${file.name} (${(file.bytes / 1e6).toFixed(2)} MB, sha256 ${file.sha256.slice(0, 12)}…)`);
      }
      await registry.finalize(manifest.id);
      log(`finalized ${manifest.id}: visible to everyone`);
      version = await registry.version(manifest.id);
    }
    if (options.promote && !version.current) {
      await registry.promote(manifest.id);
      result.promoted = true;
      log(`promoted ${manifest.id} to current`);
    } else if (version.current) {
      log(`${manifest.id} is already current`);
    }
  } catch (e) {
    if (created) await undoRegistration(registry, manifest.id, log);
    throw e;
  }
  return result;
}

/**
 * A run changes the registry only with a token that can finish it or undo it: models:write to
 * register, upload and finalize, models:promote to promote and to remove a version again.
 */
async function checkScopes(registry: RegistryClient): Promise<void> {
  const held = await registry.scopes();
  const missing = ["models:write", "models:promote"].filter((scope) => !held.includes(scope));
  if (missing.length > 0) {
    throw new PublishError(
      `this token lacks ${missing.join(" and ")} (it has ${held.join(", ") || "no scope"}): publishing needs both, to finish a run or undo it; nothing was changed`,
    );
  }
}

async function undoRegistration(registry: RegistryClient, id: string, log: (line: string) => void): Promise<void> {
  try {
    if ((await registry.version(id)).status !== "pending") {
      log(`${id} was published before the failure and stays (a deleted published id is never taken again): rerun to finish`);
      return;
    }
    await registry.remove(id);
    log(`removed ${id} again: the registry is as it was`);
  } catch (e) {
    const reason = e instanceof PublishError ? e.message : String(e);
    log(`could not remove ${id} (${reason}): it stays registered; rerun to finish publishing it, or delete it`);
  }
}
