/** Images drawn 1:1 into canvases and scaled by CSS: model-resolution ones crisply (pixelated). */
import { useEffect, useRef } from "preact/hooks";
import { rasterOf, toImageData, type ImageShape, type Raster } from "../image.ts";

interface ImageCanvasProps {
  values: ArrayLike<number>;
  index?: number;
  raster: Raster;
  label: string;
  testId?: string;
  class?: string;
}

export function ImageCanvas({ values, index = 0, raster, label, testId, class: className = "pixelated" }: ImageCanvasProps) {
  const ref = useRef<HTMLCanvasElement>(null);
  useEffect(() => {
    ref.current?.getContext("2d")!.putImageData(toImageData(values, index, raster), 0, 0);
  }, [values, index, raster]);
  return <canvas ref={ref} class={className} width={raster.width} height={raster.height} role="img" aria-label={label} data-testid={testId} />;
}

interface ImageGridProps {
  values: ArrayLike<number>;
  count: number;
  shape: ImageShape;
  labelOf: (index: number) => string;
  /** Called with the index when an image is chosen (click or Enter). */
  onPick?: (index: number) => void;
  testId: string;
}

export function ImageGrid({ values, count, shape, labelOf, onPick, testId }: ImageGridProps) {
  const raster = rasterOf(shape);
  return (
    <div class="grid" data-testid={testId}>
      {Array.from({ length: count }, (_, i) =>
        onPick ? (
          <button type="button" class="tile" key={i} title={`Download ${labelOf(i)}`} onClick={() => onPick(i)}>
            <ImageCanvas values={values} index={i} raster={raster} label={labelOf(i)} />
          </button>
        ) : (
          <ImageCanvas key={i} values={values} index={i} raster={raster} label={labelOf(i)} />
        ),
      )}
    </div>
  );
}
