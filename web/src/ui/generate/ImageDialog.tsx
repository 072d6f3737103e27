/**
 * One image of a result enlarged in a modal dialog, with the settings that made it and a download;
 * Previous and Next (or the left and right arrow keys) move through the result; Escape or Close closes it.
 */
import type { ComponentChildren } from "preact";
import { useEffect, useRef } from "preact/hooks";
import type { Raster } from "../../image.ts";
import { FactList } from "../widgets/FactList.tsx";
import { ImageCanvas } from "../widgets/ImageGrid.tsx";

interface Props {
  title: string;
  values: ArrayLike<number>;
  index: number;
  /** How many images the result has. */
  count: number;
  /** Shows another of the result's images. */
  onIndex: (index: number) => void;
  raster: Raster;
  /** The image's alt text. */
  label: string;
  facts: Record<string, string>;
  onClose: () => void;
  /** Actions beside Close (a download). */
  children: ComponentChildren;
}

export function ImageDialog({ title, values, index, count, onIndex, raster, label, facts, onClose, children }: Props) {
  const dialog = useRef<HTMLDialogElement>(null);
  const previous = useRef<HTMLButtonElement>(null);
  const next = useRef<HTMLButtonElement>(null);
  // Modal: the page behind is inert, focus moves in, and on close the browser hands it back to the image.
  useEffect(() => dialog.current?.showModal(), []);

  function show(to: number) {
    if (to < 0 || to >= count) return;
    // A button is disabled at its end: if it has the focus, the other takes it, rather than focus leaving the dialog.
    const ending = to === 0 ? previous.current : to === count - 1 ? next.current : null;
    if (ending && ending === document.activeElement) (ending === previous.current ? next : previous).current?.focus();
    onIndex(to);
  }

  return (
    <dialog
      ref={dialog}
      class="image-dialog"
      aria-labelledby="image-dialog-title"
      data-testid="image-dialog"
      onClose={onClose}
      // A click on the backdrop (the dialog element itself, outside its content) closes it too.
      onClick={(e) => e.target === e.currentTarget && e.currentTarget.close()}
      onKeyDown={(e) => {
        if (e.altKey || e.ctrlKey || e.metaKey) return; // Alt+Left is the browser's Back
        if (e.key === "ArrowLeft") show(index - 1);
        if (e.key === "ArrowRight") show(index + 1);
      }}
    >
      <div class="content">
        {/* Said when Previous or Next changes the image. */}
        <h2 id="image-dialog-title" aria-live="polite">
          {title}
        </h2>
        <ImageCanvas values={values} index={index} raster={raster} label={label} testId="image-dialog-image" />
        <div class="row">
          <button type="button" ref={previous} disabled={index === 0} aria-keyshortcuts="ArrowLeft" onClick={() => show(index - 1)}>
            Previous
          </button>
          <button type="button" ref={next} disabled={index === count - 1} aria-keyshortcuts="ArrowRight" onClick={() => show(index + 1)}>
            Next
          </button>
        </div>
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
