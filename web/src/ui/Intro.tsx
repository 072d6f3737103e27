/**
 * What this page is, for a first-time visitor: an image model running on their own device, the two
 * things to do with it, what it learned from, what it can and cannot do, why that is interesting, and
 * where to read more.
 */
import type { Manifest } from "../api/models.ts";
import { datasetName } from "./model/model-facts.ts";

function LearnedFrom({ manifest }: { manifest: Manifest }) {
  const { names } = manifest.classes;
  const { size } = manifest.image;
  const dataset = datasetName(manifest);
  return (
    <li>
      <strong>What it learned from:</strong> {dataset ? `${dataset}, ` : ""}small photos of{" "}
      {names.length > 0 ? `${names.length} kinds of things (${names.join(", ")})` : "all kinds of things"}, {size}×{size} pixels each.
    </li>
  );
}

interface Props {
  manifest: Manifest | null;
  /** Opens a tool's tab and brings it into view: the first screen has something to do, even on a phone. */
  onStart: (tool: "generate" | "restore") => void;
}

export function Intro({ manifest, onStart }: Props) {
  return (
    <section class="intro" aria-labelledby="intro-title">
      <h2 id="intro-title" class="visually-hidden">
        About this page
      </h2>
      <p class="lead">
        An image-generating AI that runs <strong>entirely on your device</strong>, in this browser tab: nothing you make or upload is sent
        anywhere.
      </p>
      <div class="row wrap start">
        <button type="button" onClick={() => onStart("restore")}>
          Fix my photo
        </button>
        <button type="button" onClick={() => onStart("generate")}>
          Generate pictures
        </button>
      </div>
      <ul>
        {manifest && <LearnedFrom manifest={manifest} />}
        <li>
          <strong>What it can do:</strong> draw new pictures of a class you choose (Generate), and repair damaged ones: noise, holes, too
          few pixels, lost colour (Restore).
        </li>
        <li>
          <strong>What it cannot:</strong> draw anything else or follow a text prompt. Its pictures are thumbnails, and up close many look
          odd.
        </li>
        <li>
          <strong>Why it is interesting:</strong> it is the same technique as the large image generators, small enough to need no server at
          all. <a href="#model">How it was made and how well it does</a>
        </li>
      </ul>
    </section>
  );
}
