/**
 * Before and after in one frame: the line between them (before on its left, after on its right) moves
 * by dragging anywhere on the image, or from the keyboard on the line's handle; the zoom shows details.
 * The after may be larger (super-resolution): both fill the same width, so each of its pixels sits over
 * the part of the before it came from.
 */
import { useRef, useState } from "preact/hooks";
import type { Raster } from "../../image.ts";
import { ImageCanvas } from "./ImageGrid.tsx";
import { ZoomBox } from "./ZoomBox.tsx";

interface Props {
  before: Float32Array;
  beforeRaster: Raster;
  after: Float32Array;
  afterRaster: Raster;
  /** What the after is: "After", or "Preview" while the restoration runs. */
  afterLabel: string;
  beforeTestId: string;
  afterTestId: string;
}

const clampPercent = (value: number) => Math.min(100, Math.max(0, value));

/** Where each key moves the line from `split` (in percent of the width); Shift takes bigger steps. */
function keyedSplit(key: string, split: number, shift: boolean): number | undefined {
  const step = shift ? 10 : 2;
  const moves: Record<string, number> = {
    ArrowLeft: split - step,
    ArrowDown: split - step,
    ArrowRight: split + step,
    ArrowUp: split + step,
    PageDown: split - 10,
    PageUp: split + 10,
    Home: 0,
    End: 100,
  };
  return moves[key];
}

export function BeforeAfter({ before, beforeRaster, after, afterRaster, afterLabel, beforeTestId, afterTestId }: Props) {
  const [split, setSplit] = useState(50);
  const layers = useRef<HTMLDivElement>(null);
  const moveTo = (event: PointerEvent) => {
    const rect = layers.current!.getBoundingClientRect();
    setSplit(clampPercent(((event.clientX - rect.left) / rect.width) * 100));
  };
  return (
    <figure class="before-after">
      <ZoomBox naturalWidth={afterRaster.width} label="comparison">
        <div
          class="layers split-view"
          ref={layers}
          data-testid="split-view"
          onPointerDown={(e) => {
            if (e.button !== 0) return; // the main button, a touch or a pen; not a right click
            // Captured, so the drag goes on outside the image; the handle keeps the keyboard focus.
            e.currentTarget.setPointerCapture(e.pointerId);
            moveTo(e);
          }}
          onPointerMove={(e) => e.currentTarget.hasPointerCapture(e.pointerId) && moveTo(e)}
        >
          <ImageCanvas values={before} raster={beforeRaster} label="Before" testId={beforeTestId} class="photo" />
          <div class="after" style={{ clipPath: `inset(0 0 0 ${split}%)` }}>
            <ImageCanvas values={after} raster={afterRaster} label={afterLabel} testId={afterTestId} class="photo" />
          </div>
          <div
            class="split-line"
            style={{ left: `${split}%` }}
            role="slider"
            tabIndex={0}
            aria-label={`The line between before and ${afterLabel.toLowerCase()}`}
            aria-valuemin={0}
            aria-valuemax={100}
            aria-valuenow={Math.round(split)}
            aria-valuetext={`${Math.round(split)}% before, ${100 - Math.round(split)}% ${afterLabel.toLowerCase()}`}
            onKeyDown={(e) => {
              const next = keyedSplit(e.key, split, e.shiftKey);
              if (next === undefined) return;
              e.preventDefault();
              setSplit(clampPercent(next));
            }}
          />
        </div>
      </ZoomBox>
      <figcaption>
        Before ({beforeRaster.width}×{beforeRaster.height}) on the left, {afterLabel.toLowerCase()} ({afterRaster.width}×
        {afterRaster.height}) on the right. Drag on the image to move the line between them.
      </figcaption>
    </figure>
  );
}
