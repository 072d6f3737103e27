/** Where an image comes in: a file chooser, a drop zone, and paste anywhere on the page while `active`. */
import type { ComponentChildren } from "preact";
import { useEffect } from "preact/hooks";
import { FileButton } from "./FileButton.tsx";

interface Props {
  onFile: (file: Blob, name: string) => void;
  /** Only the panel on screen takes pasted images. */
  active: boolean;
  testId: string;
  hint: string;
  /** More ways in, beside the file chooser. */
  children?: ComponentChildren;
}

export function ImageDrop({ onFile, active, testId, hint, children }: Props) {
  useEffect(() => {
    if (!active) return;
    const onPaste = (event: ClipboardEvent) => {
      const file = Array.from(event.clipboardData?.items ?? [])
        .find((i) => i.kind === "file")
        ?.getAsFile();
      if (file) onFile(file, "the pasted image");
    };
    document.addEventListener("paste", onPaste);
    return () => document.removeEventListener("paste", onPaste);
  }, [active, onFile]);

  return (
    // biome-ignore lint/a11y/noStaticElementInteractions: a drop target for the mouse; the file input inside it is the keyboard's way in.
    <div
      class="dropzone"
      onDragOver={(e) => e.preventDefault()}
      onDrop={(e) => {
        e.preventDefault();
        const file = e.dataTransfer?.files[0];
        if (file) onFile(file, file.name);
      }}
    >
      <p>Drop an image here, paste one, or</p>
      <div class="row wrap">
        <FileButton label="Choose a file…" accept="image/*" testId={testId} onFile={(file) => onFile(file, file.name)} />
        {children}
      </div>
      <p class="hint">{hint}</p>
    </div>
  );
}
