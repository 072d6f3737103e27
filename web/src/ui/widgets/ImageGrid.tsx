/** Images drawn 1:1 into canvases and scaled by CSS: model-resolution ones crisply (pixelated). */
import type { ComponentChildren } from "preact";
import { useLayoutEffect, useRef } from "preact/hooks";
import { type ImageShape, paint, type Raster, rasterOf, toImageData } from "../../image.ts";
import { gridColumns } from "./grid-columns.ts";

interface ImageCanvasProps {
  values: ArrayLike<number>;
  index?: number;
  raster: Raster;
  /** The image's alt text. */
  label: string;
  testId?: string;
  class?: string;
}

export function ImageCanvas({ values, index = 0, raster, label, testId, class: className = "pixelated" }: ImageCanvasProps) {
  const ref = useRef<HTMLCanvasElement>(null);
  // Painted before the browser shows the frame: a caption or title never shows beside the image before it.
  useLayoutEffect(() => {
    paint(ref.current, toImageData(values, index, raster));
  }, [values, index, raster]);
  return (
    <canvas ref={ref} class={className} width={raster.width} height={raster.height} role="img" aria-label={label} data-testid={testId} />
  );
}

/** Columns of the grid on a wide screen and on a phone (style.css picks one). */
export const WIDE_COLUMNS = 8;
const NARROW_COLUMNS = 4;

interface ImageGridProps {
  values: ArrayLike<number>;
  count: number;
  shape: ImageShape;
  /** Each image's alt text. */
  labelOf: (index: number) => string;
  /** What is shown under each image. */
  captionOf: (index: number) => ComponentChildren;
  /** Called with the index when an image is chosen (click or Enter). */
  onPick?: (index: number) => void;
  testId: string;
}

/** Images with captions, in as many columns as divide their count (16 as 8x2 or 4x4). */
export function ImageGrid({ values, count, shape, labelOf, captionOf, onPick, testId }: ImageGridProps) {
  const raster = rasterOf(shape);
  const columns = { "--columns": gridColumns(count, WIDE_COLUMNS), "--narrow-columns": gridColumns(count, NARROW_COLUMNS) };
  return (
    <div class="grid" style={columns} data-testid={testId}>
      {Array.from({ length: count }, (_, i) => {
        const image = <ImageCanvas values={values} index={i} raster={raster} label={labelOf(i)} />;
        return (
          <figure class="tile" key={i}>
            {onPick ? (
              <button type="button" title="Enlarge" aria-haspopup="dialog" onClick={() => onPick(i)}>
                {image}
              </button>
            ) : (
              image
            )}
            <figcaption>{captionOf(i)}</figcaption>
          </figure>
        );
      })}
    </div>
  );
}
