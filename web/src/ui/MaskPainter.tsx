/**
 * Paint the pixels that are lost (scratches, holes) over the image with a brush; presets and
 * "clear" are buttons so the mask is usable from the keyboard too. mask[p] = 0 marks a lost pixel.
 */
import { useEffect, useRef, useState } from "preact/hooks";
import { toImageData, type ImageShape } from "../image.ts";

interface Props {
  image: Float32Array;
  shape: ImageShape;
  mask: Uint8Array;
  onChange: (mask: Uint8Array) => void;
}

/** A centred square of half the image's side. */
function holeMask(size: number): Uint8Array {
  const mask = new Uint8Array(size * size).fill(1);
  for (let i = size / 4; i < (3 * size) / 4; i++) for (let j = size / 4; j < (3 * size) / 4; j++) mask[i * size + j] = 0;
  return mask;
}

/** Three thin diagonal lines, like scratches on a print. */
function scratchMask(size: number): Uint8Array {
  const mask = new Uint8Array(size * size).fill(1);
  for (const offset of [-size / 3, 0, size / 3]) {
    for (let i = 0; i < size; i++) {
      const j = Math.round(i * 0.6 + size / 5 + offset);
      if (j >= 0 && j < size) mask[i * size + j] = 0;
    }
  }
  return mask;
}

export function MaskPainter({ image, shape, mask, onChange }: Props) {
  const { size } = shape;
  const ref = useRef<HTMLCanvasElement>(null);
  const [brush, setBrush] = useState(Math.max(1, Math.round(size / 16)));
  const [erase, setErase] = useState(false);
  const painting = useRef(false);

  useEffect(() => {
    const pixels = toImageData(image, 0, shape);
    for (let p = 0; p < size * size; p++) {
      if (!mask[p]) pixels.data.set([255, 0, 80, 255], p * 4); // lost pixels shown in magenta
    }
    ref.current?.getContext("2d")!.putImageData(pixels, 0, 0);
  }, [image, mask, shape]);

  function paint(event: PointerEvent) {
    const canvas = ref.current!;
    const rect = canvas.getBoundingClientRect();
    const ci = ((event.clientY - rect.top) / rect.height) * size;
    const cj = ((event.clientX - rect.left) / rect.width) * size;
    const next = mask.slice();
    const radius = brush / 2;
    for (let i = Math.floor(ci - radius); i <= ci + radius; i++) {
      for (let j = Math.floor(cj - radius); j <= cj + radius; j++) {
        if (i >= 0 && j >= 0 && i < size && j < size && (i + 0.5 - ci) ** 2 + (j + 0.5 - cj) ** 2 <= radius ** 2 + 0.5) next[i * size + j] = erase ? 1 : 0;
      }
    }
    onChange(next);
  }

  return (
    <div class="mask-painter">
      <canvas
        ref={ref}
        class="pixelated paint"
        width={size}
        height={size}
        role="img"
        aria-label="Image with the lost pixels in magenta: paint over scratches or holes"
        data-testid="mask-canvas"
        onPointerDown={(e) => {
          painting.current = true;
          e.currentTarget.setPointerCapture(e.pointerId);
          paint(e);
        }}
        onPointerMove={(e) => painting.current && paint(e)}
        onPointerUp={() => (painting.current = false)}
      />
      <div class="row wrap">
        <label>
          Brush <span>{brush}px</span>
          <input type="range" min={1} max={Math.max(2, size / 4)} value={brush} onInput={(e) => setBrush(e.currentTarget.valueAsNumber)} />
        </label>
        <label class="check">
          <input type="checkbox" checked={erase} onChange={(e) => setErase(e.currentTarget.checked)} /> Erase
        </label>
        <button type="button" onClick={() => onChange(holeMask(size))}>
          Hole in the middle
        </button>
        <button type="button" onClick={() => onChange(scratchMask(size))}>
          Scratches
        </button>
        <button type="button" onClick={() => onChange(new Uint8Array(size * size).fill(1))}>
          Clear mask
        </button>
      </div>
    </div>
  );
}
