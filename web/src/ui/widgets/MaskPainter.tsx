/**
 * Paint what is lost (scratches, holes, text or objects to remove) over the image at its own
 * resolution: brush, eraser, zoom, undo (Ctrl+Z), clear, or a mask image uploaded instead.
 * Presets and buttons keep it usable from the keyboard. mask[p] = 0 marks a lost pixel.
 */
import { useEffect, useRef, useState } from "preact/hooks";
import { decodeImage, paint, type Raster, toImageData } from "../../image.ts";
import { fullMask, maskFromRgba, type Point, paintStroke, UndoHistory } from "../../mask.ts";
import { FileButton } from "./FileButton.tsx";
import { ZoomBox } from "./ZoomBox.tsx";

export interface MaskPreset {
  label: string;
  make: (height: number, width: number) => Uint8Array;
}

interface Props {
  image: Float32Array;
  raster: Raster;
  mask: Uint8Array;
  onChange: (mask: Uint8Array) => void;
  presets?: MaskPreset[];
}

/** Lost pixels drawn over the image: magenta, mostly opaque, so thin strokes show at any zoom. */
const LOST = [255, 0, 80, 220];

export function MaskPainter({ image, raster, mask, onChange, presets = [] }: Props) {
  const { height, width } = raster;
  const base = useRef<HTMLCanvasElement>(null);
  const overlay = useRef<HTMLCanvasElement>(null);
  const [brush, setBrush] = useState(Math.max(1, Math.round(Math.max(height, width) / 64)));
  const [erase, setErase] = useState(false);
  const [uploadError, setUploadError] = useState<string | null>(null);
  const history = useRef(new UndoHistory<Uint8Array>());
  // The stroke in progress: painted into a copy, handed over when the pointer lifts.
  const stroke = useRef<{ mask: Uint8Array; last: Point } | null>(null);
  // Where the pointer is over the image (null when it is not): the brush's outline follows it.
  const [hover, setHover] = useState<Point | null>(null);

  useEffect(() => paint(base.current, toImageData(image, 0, raster)), [image, raster]);
  useEffect(() => drawOverlay(mask), [mask]);

  function drawOverlay(current: Uint8Array) {
    const pixels = new ImageData(width, height);
    for (let p = 0; p < current.length; p++) if (!current[p]) pixels.data.set(LOST, p * 4);
    paint(overlay.current, pixels);
  }

  // The mask as last rendered: an uploaded mask decoded after a stroke records that stroke for undo.
  const latest = useRef(mask);
  latest.current = mask;

  function change(next: Uint8Array) {
    history.current.push(latest.current);
    onChange(next);
  }

  function undo() {
    const previous = history.current.undo();
    if (previous) onChange(previous);
  }

  // Ctrl+Z / Cmd+Z undoes a stroke while this painter is on screen, unless a text field wants it.
  useEffect(() => {
    const onKey = (event: KeyboardEvent) => {
      const typing = event.target instanceof HTMLElement && event.target.matches("input[type=number], input[type=text], textarea");
      if (
        (event.ctrlKey || event.metaKey) &&
        event.key.toLowerCase() === "z" &&
        !event.shiftKey &&
        !typing &&
        overlay.current?.checkVisibility()
      ) {
        event.preventDefault();
        undo();
      }
    };
    document.addEventListener("keydown", onKey);
    return () => document.removeEventListener("keydown", onKey);
  });

  function pointAt(event: PointerEvent): Point {
    const rect = overlay.current!.getBoundingClientRect();
    return { x: ((event.clientX - rect.left) / rect.width) * width, y: ((event.clientY - rect.top) / rect.height) * height };
  }

  function paintTo(point: Point) {
    const current = stroke.current!;
    paintStroke(current.mask, width, height, current.last, point, brush / 2, erase ? 1 : 0);
    current.last = point;
    drawOverlay(current.mask);
  }

  function endStroke() {
    if (stroke.current) change(stroke.current.mask);
    stroke.current = null;
  }

  async function uploadMask(file: Blob, name: string) {
    setUploadError(null);
    try {
      const bitmap = await decodeImage(file, name);
      const context = new OffscreenCanvas(width, height).getContext("2d", { willReadFrequently: true })!;
      context.drawImage(bitmap, 0, 0, width, height);
      bitmap.close();
      change(maskFromRgba(context.getImageData(0, 0, width, height).data, width * height));
    } catch (error) {
      setUploadError(error instanceof Error ? error.message : String(error));
    }
  }

  const brushControls = (
    <>
      <label class="inline">
        Brush <span>{brush}px</span>
        <input
          type="range"
          min={1}
          max={Math.max(4, Math.round(Math.max(height, width) / 8))}
          value={brush}
          onInput={(e) => setBrush(e.currentTarget.valueAsNumber)}
        />
      </label>
      <label class="check">
        <input type="checkbox" checked={erase} onChange={(e) => setErase(e.currentTarget.checked)} /> Eraser
      </label>
    </>
  );
  return (
    <div class="mask-painter">
      <ZoomBox naturalWidth={width} label="painting" controls={brushControls}>
        <div class="layers">
          {/* biome-ignore lint/a11y/noAriaHiddenOnFocusable: not focusable (no tabindex): the photo under the painting layer, which is labelled. */}
          <canvas ref={base} class="photo" width={width} height={height} aria-hidden="true" />
          <canvas
            ref={overlay}
            class="photo paint"
            width={width}
            height={height}
            role="img"
            aria-label="The image with what is lost painted in magenta: paint over scratches, holes, text or objects to remove"
            data-testid="mask-canvas"
            onPointerDown={(e) => {
              e.currentTarget.setPointerCapture(e.pointerId);
              const point = pointAt(e);
              stroke.current = { mask: mask.slice(), last: point };
              paintTo(point);
            }}
            onPointerMove={(e) => {
              const point = pointAt(e);
              setHover(point);
              if (stroke.current) paintTo(point);
            }}
            onPointerLeave={() => setHover(null)}
            onPointerUp={endStroke}
            onPointerCancel={endStroke}
          />
          {hover && (
            <div
              class={`brush-outline${erase ? " erasing" : ""}`}
              data-testid="brush-outline"
              aria-hidden="true"
              style={{ left: `${(hover.x / width) * 100}%`, top: `${(hover.y / height) * 100}%`, width: `${(brush / width) * 100}%` }}
            />
          )}
        </div>
      </ZoomBox>
      <div class="row wrap">
        <button type="button" onClick={undo} disabled={!history.current.canUndo} title="Ctrl+Z">
          Undo
        </button>
        {presets.map(({ label, make }) => (
          <button type="button" key={label} onClick={() => change(make(height, width))}>
            {label}
          </button>
        ))}
        <button type="button" onClick={() => change(fullMask(width * height))}>
          Clear mask
        </button>
        <FileButton label="Upload a mask…" accept="image/*" testId="mask-upload" onFile={(file) => void uploadMask(file, file.name)} />
      </div>
      <p class="hint">
        Magenta marks what is lost. An uploaded mask is white where the image is lost and black (or transparent) where it is right; it is
        stretched to the image's size.
      </p>
      {uploadError && (
        <p role="alert" class="error">
          {uploadError}
        </p>
      )}
    </div>
  );
}
