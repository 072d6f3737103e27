/**
 * Before and after in one frame: a slider moves the line between them (before on its left, after on
 * its right), and the zoom shows details. The after may be larger (super-resolution): both fill the
 * same width, so each of its pixels sits over the part of the before it came from.
 */
import { useState } from "preact/hooks";
import type { Raster } from "../image.ts";
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

export function BeforeAfter({ before, beforeRaster, after, afterRaster, afterLabel, beforeTestId, afterTestId }: Props) {
  const [split, setSplit] = useState(50);
  const slider = (
    <label class="inline grow">
      <span>Before | {afterLabel}</span>
      <input
        type="range"
        min={0}
        max={100}
        step={0.5}
        value={split}
        aria-label={`Move the line between before and ${afterLabel.toLowerCase()}`}
        onInput={(e) => setSplit(e.currentTarget.valueAsNumber)}
      />
    </label>
  );
  return (
    <figure class="before-after">
      <ZoomBox naturalWidth={afterRaster.width} label="comparison" controls={slider}>
        <div class="layers">
          <ImageCanvas values={before} raster={beforeRaster} label="Before" testId={beforeTestId} class="photo" />
          <div class="after" style={{ clipPath: `inset(0 0 0 ${split}%)` }}>
            <ImageCanvas values={after} raster={afterRaster} label={afterLabel} testId={afterTestId} class="photo" />
          </div>
          <div class="split-line" style={{ left: `${split}%` }} aria-hidden="true" />
        </div>
      </ZoomBox>
      <figcaption>
        Before ({beforeRaster.width}×{beforeRaster.height}) on the left, {afterLabel.toLowerCase()} ({afterRaster.width}×
        {afterRaster.height}) on the right.
      </figcaption>
    </figure>
  );
}
