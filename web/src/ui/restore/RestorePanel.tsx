/**
 * Restore: the visitor's own photo first ("Fix my photo"), and the demo beside it ("Damage a sample
 * on purpose"). Each path keeps its own state, so the demo's damage never touches the visitor's photo;
 * both stay mounted, so switching back and forth loses nothing.
 */
import { useState } from "preact/hooks";
import type { Manifest } from "../../api/models.ts";
import type { InferenceClient } from "../../inference/client.ts";
import { PhotoRestore } from "../photo/PhotoRestore.tsx";
import { DemoRestore } from "./DemoRestore.tsx";

interface Props {
  client: InferenceClient;
  manifest: Manifest;
  ready: boolean;
  /** The Restore tab is on screen: only then do its paths take pasted images. */
  visible: boolean;
  /** Which model restores, where it is not the one that generates (a distilled student's teacher). */
  modelNote?: string;
}

const PATHS = { photo: "Fix my photo", demo: "Damage a sample on purpose" } as const;
type Path = keyof typeof PATHS;

export function RestorePanel({ client, manifest, ready, visible, modelNote }: Props) {
  const [path, setPath] = useState<Path>("photo");
  return (
    <section aria-labelledby="restore-title">
      <h2 id="restore-title">Restore</h2>
      {modelNote && (
        <p class="hint" data-testid="restore-model">
          {modelNote}
        </p>
      )}
      <fieldset class="paths">
        <legend class="visually-hidden">What to restore</legend>
        {(Object.keys(PATHS) as Path[]).map((name) => (
          <label class="check" key={name}>
            <input type="radio" name="restore-path" value={name} checked={path === name} onChange={() => setPath(name)} /> {PATHS[name]}
          </label>
        ))}
      </fieldset>
      <div hidden={path !== "photo"}>
        <PhotoRestore client={client} manifest={manifest} ready={ready} active={visible && path === "photo"} />
      </div>
      <div hidden={path !== "demo"}>
        <DemoRestore client={client} manifest={manifest} ready={ready} active={visible && path === "demo"} />
      </div>
    </section>
  );
}
