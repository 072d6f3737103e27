/** Where the restoration is unsure: each pixel's spread across the candidates as a heat map, with its legend. */
import { useEffect, useMemo, useRef } from "preact/hooks";
import { heatGradient, heatPixels, spreadCeiling } from "../../heatmap.ts";
import { paint } from "../../image.ts";

interface Props {
  spread: Float32Array;
  height: number;
  width: number;
  candidates: number;
}

export function SpreadMap({ spread, height, width, candidates }: Props) {
  const ref = useRef<HTMLCanvasElement>(null);
  const ceiling = useMemo(() => spreadCeiling(spread), [spread]);
  useEffect(() => {
    paint(ref.current, new ImageData(heatPixels(spread, ceiling), width, height));
  }, [spread, ceiling, height, width]);
  return (
    <figure class="spread-map">
      <canvas
        ref={ref}
        class="photo"
        width={width}
        height={height}
        role="img"
        aria-label="Where the restoration is unsure: bright where the candidates disagree"
        data-testid="photo-spread"
      />
      <figcaption>
        <strong>Where it is unsure.</strong> How much the {candidates} restorations differ at each pixel: dark where they agree (the photo
        decided), bright where they differ (the model guessed).
        <span class="legend">
          <span>0</span>
          <span class="ramp" style={{ background: heatGradient }} />
          <span>{Math.round(ceiling * 127.5)}/255 or more</span>
        </span>
      </figcaption>
    </figure>
  );
}
