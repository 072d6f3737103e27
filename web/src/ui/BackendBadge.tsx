/**
 * Where the model runs, in words for the visitor; the technical detail (backend, threads, weights,
 * why not WebGPU, why not int8) in its tooltip.
 */
import type { BackendInfo } from "../inference/protocol.ts";

export function describeBackend(backend: BackendInfo): { text: string; detail: string } {
  const technical =
    backend.kind === "webgpu"
      ? `WebGPU (${backend.variant})`
      : `WASM, ${backend.threads} thread${backend.threads === 1 ? "" : "s"} (${backend.variant})`;
  const notes = [backend.fallbackReason, backend.weightsNote].filter(Boolean);
  const detail = notes.length ? `${technical}: ${notes.join("; ")}` : technical;
  if (backend.kind === "webgpu") return { text: "Running on your graphics card", detail };
  // A fallback means WebGPU was wanted and is missing here; WASM asked for (?backend=wasm) is no loss.
  return { text: backend.fallbackReason ? "Running on your CPU; a browser with WebGPU would be faster" : "Running on your CPU", detail };
}

export function BackendBadge({ backend }: { backend: BackendInfo | null }) {
  const described = backend && describeBackend(backend);
  return (
    <p class="badge" data-testid="backend" data-kind={backend?.kind ?? ""} title={described?.detail} aria-live="polite">
      {described?.text ?? "Choosing where to run…"}
    </p>
  );
}
