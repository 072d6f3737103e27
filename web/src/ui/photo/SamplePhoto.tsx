/** "Try a sample photo": a noisy photo the site ships, for a visitor without a damaged photo of their own. */
import { useState } from "preact/hooks";

/** Rachel Michetti's coffee cup (CC0, scikit-image's data) with noise added: web/public/samples/README.md. */
const SAMPLE = { url: "/samples/coffee-noisy.png", name: "coffee-noisy.png" };

export function SamplePhoto({ onFile }: { onFile: (file: Blob, name: string) => void }) {
  const [error, setError] = useState<string | null>(null);
  async function load() {
    setError(null);
    try {
      const response = await fetch(SAMPLE.url);
      if (!response.ok) throw new Error(`the server answered ${response.status}`);
      onFile(await response.blob(), SAMPLE.name);
    } catch (e) {
      setError(`Could not load the sample photo: ${e instanceof Error ? e.message : String(e)}`);
    }
  }
  return (
    <>
      <button type="button" onClick={load}>
        Try a sample photo
      </button>
      <span class="hint">a noisy coffee cup (photo: Rachel Michetti, CC0)</span>
      {error && (
        <span role="alert" class="error">
          {error}
        </span>
      )}
    </>
  );
}
