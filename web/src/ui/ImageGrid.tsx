/** Model-resolution images drawn 1:1 into canvases and scaled up crisply by CSS (pixelated). */
import { useEffect, useRef } from "preact/hooks";
import { toImageData, type ImageShape } from "../image.ts";

interface ImageCanvasProps {
  values: ArrayLike<number>;
  index?: number;
  shape: ImageShape;
  label: string;
  testId?: string;
}

export function ImageCanvas({ values, index = 0, shape, label, testId }: ImageCanvasProps) {
  const ref = useRef<HTMLCanvasElement>(null);
  useEffect(() => {
    ref.current?.getContext("2d")!.putImageData(toImageData(values, index, shape), 0, 0);
  }, [values, index, shape]);
  return <canvas ref={ref} class="pixelated" width={shape.size} height={shape.size} role="img" aria-label={label} data-testid={testId} />;
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
  return (
    <div class="grid" data-testid={testId}>
      {Array.from({ length: count }, (_, i) =>
        onPick ? (
          <button type="button" class="tile" key={i} title={`Download ${labelOf(i)}`} onClick={() => onPick(i)}>
            <ImageCanvas values={values} index={i} shape={shape} label={labelOf(i)} />
          </button>
        ) : (
          <ImageCanvas key={i} values={values} index={i} shape={shape} label={labelOf(i)} />
        ),
      )}
    </div>
  );
}
