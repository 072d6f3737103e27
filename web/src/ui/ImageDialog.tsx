/** One image enlarged in a modal dialog, with the settings that made it and a download; Escape or Close closes it. */
import type { ComponentChildren } from "preact";
import { useEffect, useRef } from "preact/hooks";
import type { Raster } from "../image.ts";
import { FactList } from "./FactList.tsx";
import { ImageCanvas } from "./ImageGrid.tsx";

interface Props {
  title: string;
  values: ArrayLike<number>;
  index: number;
  raster: Raster;
  /** The image's alt text. */
  label: string;
  facts: Record<string, string>;
  onClose: () => void;
  /** Actions beside Close (a download). */
  children: ComponentChildren;
}

export function ImageDialog({ title, values, index, raster, label, facts, onClose, children }: Props) {
  const dialog = useRef<HTMLDialogElement>(null);
  // Modal: the page behind is inert, focus moves in, and on close the browser hands it back to the image.
  useEffect(() => dialog.current?.showModal(), []);
  return (
    // biome-ignore lint/a11y/useKeyWithClickEvents: the keyboard closes a modal dialog with Escape, natively.
    <dialog
      ref={dialog}
      class="image-dialog"
      aria-labelledby="image-dialog-title"
      data-testid="image-dialog"
      onClose={onClose}
      // A click on the backdrop (the dialog element itself, outside its content) closes it too.
      onClick={(e) => e.target === e.currentTarget && e.currentTarget.close()}
    >
      <div class="content">
        <h2 id="image-dialog-title">{title}</h2>
        <ImageCanvas values={values} index={index} raster={raster} label={label} testId="image-dialog-image" />
        <FactList facts={facts} />
        <div class="row wrap">
          {children}
          <button type="button" onClick={() => dialog.current?.close()}>
            Close
          </button>
        </div>
      </div>
    </dialog>
  );
}
