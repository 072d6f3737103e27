/**
 * Its content at a chosen zoom inside a scrolling frame: "Fit" fills the frame's width; the others
 * show `naturalWidth` image pixels at 1, 2, 4 or 8 CSS pixels each, crisp, to inspect details.
 */
import type { ComponentChildren } from "preact";
import { useState } from "preact/hooks";

const ZOOMS = [1, 2, 4, 8];

interface Props {
  /** The content's width in image pixels (the largest image inside). */
  naturalWidth: number;
  label: string;
  children: ComponentChildren;
  /** More controls on the zoom's row. */
  controls?: ComponentChildren;
}

export function ZoomBox({ naturalWidth, label, children, controls }: Props) {
  const [zoom, setZoom] = useState<number | "fit">("fit");
  return (
    <div class="zoom-box">
      {/* The frame scrolls when its content is taller or wider: focusable, so the keyboard can scroll it too (axe's scrollable-region-focusable). */}
      {/* biome-ignore lint/a11y/noNoninteractiveTabindex: see above */}
      {/* biome-ignore lint/a11y/useSemanticElements: a labelled scrolling frame, not a form group (fieldset) */}
      <div class={`zoom-frame${zoom === "fit" ? "" : " zoomed"}`} tabIndex={0} role="group" aria-label={`Scrollable view of the ${label}`}>
        <div class="zoom-content" style={{ width: zoom === "fit" ? "100%" : `${naturalWidth * zoom}px` }}>
          {children}
        </div>
      </div>
      <div class="row wrap">
        <label class="inline">
          Zoom
          <select
            aria-label={`Zoom (${label})`}
            value={String(zoom)}
            onChange={(e) => setZoom(e.currentTarget.value === "fit" ? "fit" : Number(e.currentTarget.value))}
          >
            <option value="fit">Fit</option>
            {ZOOMS.map((z) => (
              <option value={z} key={z}>
                {z * 100}%
              </option>
            ))}
          </select>
        </label>
        {controls}
      </div>
    </div>
  );
}
